/*
 * Fuzz the small IPv4 host (capsules/net_stack.c): the input is one
 * Ethernet frame as the device delivered it, in a buffer of exactly its
 * length (so ASan sees a read past the frame) or, when the input's first
 * byte is odd, of the virtio-net driver's size (VIRTIO_NET_BUF_BYTES less
 * the header) with the rest poisoned, as the real buffer has leftovers.
 *
 * Checked on every input: the frame is counted once, and either exactly
 * one answer counter or exactly one drop counter moved; an answer fits the
 * buffer, goes back to the frame's sender from our MAC, and is well
 * formed by this harness's own reading (ARP reply for our address; IPv4
 * from our IP with a right header checksum, DF, no options, a total length
 * that fits; a right ICMP or UDP checksum, UDP from port 7).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capsules/net_stack.h"
#include "capsules/virtio_net.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t ip[4] = { 10, 0, 2, 15 };
static struct net_stack n;
static uint8_t big[VIRTIO_NET_BUF_BYTES - VIRTIO_NET_HDR_BYTES];

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 over byte pairs, from `sum`: 0 when the data holds its checksum. */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint64_t total(const uint64_t *c, unsigned k)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < k; i++)
		t += c[i];
	return t;
}

static void check_answer(const uint8_t *in, const uint8_t *a, size_t len)
{
	FUZZ_CHECK(len >= 42);
	FUZZ_CHECK(memcmp(a + 6, mac, 6) == 0);
	FUZZ_CHECK(!(a[0] & 1)); /* never to a group address */
	uint16_t type = be16(a + 12);
	if (type == 0x0806) {
		FUZZ_CHECK(be16(a + 14 + 6) == 2);
		FUZZ_CHECK(memcmp(a + 14 + 8, mac, 6) == 0 && memcmp(a + 14 + 14, ip, 4) == 0);
		FUZZ_CHECK(memcmp(a, in + 14 + 8, 6) == 0); /* to the asker's address */
		return;
	}
	FUZZ_CHECK(type == 0x0800);
	FUZZ_CHECK(memcmp(a, in + 6, 6) == 0);
	const uint8_t *h = a + 14;
	FUZZ_CHECK(h[0] == 0x45 && be16(h + 6) == 0x4000);
	FUZZ_CHECK(sum16(h, 20, 0) == 0);
	FUZZ_CHECK(memcmp(h + 12, ip, 4) == 0);
	size_t tl = be16(h + 2);
	FUZZ_CHECK(tl >= 20 && 14 + tl <= len);
	const uint8_t *p = h + 20;
	size_t plen = tl - 20;
	if (h[9] == 1) {
		FUZZ_CHECK(plen >= 8 && p[0] == 0);
		FUZZ_CHECK(sum16(p, plen, 0) == 0);
	} else {
		FUZZ_CHECK(h[9] == 17 && plen >= 8 && be16(p + 4) == plen);
		FUZZ_CHECK(be16(p) == NET_ECHO_PORT);
		if (be16(p + 6) != 0) {
			uint32_t pseudo = be16(h + 12) + be16(h + 14) + be16(h + 16) +
					  be16(h + 18) + 17 + (uint32_t)plen;
			FUZZ_CHECK(sum16(p, plen, pseudo) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	net_stack_init(&n, mac, ip);
	bool roomy = size > 0 && (data[0] & 1) && size <= sizeof(big);
	uint8_t *frame;
	size_t cap;
	if (roomy) {
		memset(big, 0xa5, sizeof(big));
		memcpy(big, data, size);
		frame = big;
		cap = sizeof(big);
	} else {
		frame = fuzz_exact_copy(data, size);
		cap = size;
	}
	if (frame) {
		size_t out = net_stack_input(&n, frame, size, cap);
		uint64_t answers = n.stats.arp_replies + n.stats.pings + n.stats.udp_echoes;
		uint64_t drops = total(n.stats.drops, NET_DROP_REASONS);
		FUZZ_CHECK(n.stats.frames == 1);
		FUZZ_CHECK(answers + drops == 1);
		FUZZ_CHECK((out != 0) == (answers == 1));
		FUZZ_CHECK(out <= cap);
		if (out)
			check_answer(data, frame, out);
	}
	fuzz_free_all();
	return 0;
}
