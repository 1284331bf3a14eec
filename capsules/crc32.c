/* CRC-32 (see crc32.h), a byte at a time through a 256-entry table. */
#include <stdbool.h>

#include "capsules/crc32.h"

static uint32_t table[256];
static bool table_ready;

/* Filled on first use rather than written out: 256 magic numbers would
 * be harder to check than these five lines. */
static void fill_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

uint32_t crc32_update(uint32_t crc, const uint8_t *bytes, size_t n)
{
	if (!table_ready)
		fill_table();
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}
