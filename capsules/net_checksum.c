/* The Internet checksum (net_checksum.h). */
#include <stddef.h>
#include <stdint.h>

#include "capsules/net_checksum.h"
#include "kernel/string.h"

uint64_t net_sum_add(uint64_t acc, const uint8_t *p, size_t len)
{
	uint32_t w;

	/* No overflow: each addition is below 2^32, and a frame is far from
	 * 2^32 of them. */
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		acc += w;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* A last odd byte is the first byte of a word padded with zero:
		 * in memory order that word is just the byte, wherever it lands. */
		uint16_t h = 0;
		memcpy(&h, p, 1);
		acc += h;
	}
	return acc;
}

uint16_t net_sum_finish(uint64_t acc)
{
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	uint16_t s = (uint16_t)~acc;
	/* The sum was of words in memory order; the field is big-endian. */
	uint8_t b[2];
	memcpy(b, &s, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}
