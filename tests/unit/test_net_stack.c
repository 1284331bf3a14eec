/*
 * capsules/net_checksum.c and capsules/net_stack.c against frames from
 * outside knock: the ARP request and UDP datagrams below are what QEMU's
 * user networking (libslirp) sent knock under `make run`, captured with
 * QEMU's filter-dump, and the expected answers are knock's answers that
 * slirp accepted (it learnt knock's MAC from the ARP reply and passed the
 * echoes to the host's socket, which checks UDP checksums). Frames the
 * tests derive (options, fragments, other ports) get their checksums from
 * ref_sum() below, the textbook RFC 1071 loop, not from knock's.
 *
 * Checked: the checksum's known values (RFC 1071's example, an IPv4
 * header whose checksum is known); each kind of answer byte for byte;
 * IP options stripped from the answer; and every malformed frame (each
 * truncation, bad checksums, bad lengths, fragments, unknown protocols,
 * frames for others, broadcast sources) dropped with one count under its
 * reason and no byte of an answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/net_checksum.h"
#include "capsules/net_stack.h"

static const uint8_t knock_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t knock_ip[4] = { 10, 0, 2, 15 };

/* slirp (52:55:0a:00:02:02, 10.0.2.2): who has 10.0.2.15? */
static const char arp_request[] = "ffffffffffff52550a0002020806000108000604000152550a0002020a000202"
				  "0000000000000a00020f";
static const char arp_reply[] = "52550a000202525400123456080600010800060400025254001234560a00020f"
				"52550a0002020a000202000000000000000000000000000000000000";
/* slirp: "knock knock" from 10.0.2.2:44420 to 10.0.2.15:7, and the echo. */
static const char udp_request[] = "52540012345652550a00020208004500002700000000401162b60a0002020a"
				  "00020fad8400070013ae676b6e6f636b206b6e6f636b";
static const char udp_answer[] = "52550a00020252540012345608004500002700004000401122b60a00020f0a"
				 "0002020007ad840013ae676b6e6f636b206b6e6f636b00000000000000";
/* "odd" (an odd length), the second echo of that boot (identification 1). */
static const char odd_request[] = "52540012345652550a00020208004500001f00010000401162bd0a0002020a"
				  "00020fad840007000b66d76f6464";

#define CAP 2048
static struct net_stack n;
static uint8_t frame[CAP];
static size_t frame_len;

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t len = strlen(hex) / 2;
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return len;
}

static void load(const char *hex)
{
	memset(frame, 0xa5, sizeof(frame)); /* whatever the buffer held before */
	frame_len = unhex(hex, frame);
}

/* RFC 1071's loop, byte pairs in network order: the tests' own checksum. */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#define IP (frame + 14)

static void fix_ip_checksum(void)
{
	size_t hlen = (size_t)(IP[0] & 0xf) * 4;
	IP[10] = IP[11] = 0;
	uint16_t c = ref_sum(IP, hlen, 0);
	IP[10] = (uint8_t)(c >> 8);
	IP[11] = (uint8_t)c;
}

static int setup(void **state)
{
	(void)state;
	net_stack_init(&n, knock_mac, knock_ip);
	return 0;
}

static uint64_t drops_total(void)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < NET_DROP_REASONS; i++)
		t += n.stats.drops[i];
	return t;
}

/* The frame now loaded is dropped for `why`, once, and left as it was. */
static void expect_drop(enum net_drop why)
{
	uint8_t before[CAP];
	memcpy(before, frame, sizeof(frame));
	uint64_t was = n.stats.drops[why], total = drops_total();
	size_t out = net_stack_input(&n, frame, frame_len, CAP);
	if (out != 0 || n.stats.drops[why] != was + 1 || drops_total() != total + 1) {
		fprintf(stderr,
			"expected a drop for '%s', got answer %zu; drops:", net_drop_names[why],
			out);
		for (unsigned i = 0; i < NET_DROP_REASONS; i++)
			fprintf(stderr, " %s=%llu", net_drop_names[i],
				(unsigned long long)n.stats.drops[i]);
		fprintf(stderr, "\n");
		fail();
	}
	assert_memory_equal(before, frame, sizeof(frame));
}

static void expect_answer(const char *hex)
{
	uint8_t want[CAP];
	size_t want_len = unhex(hex, want);
	size_t out = net_stack_input(&n, frame, frame_len, CAP);
	assert_int_equal(out, want_len);
	assert_memory_equal(frame, want, want_len);
}

static void test_checksum_known_values(void **state)
{
	(void)state;
	/* RFC 1071, 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(net_sum_finish(net_sum_add(0, rfc, sizeof(rfc))), (uint16_t)~0xddf2);
	/* An IPv4 header whose checksum is b861 (checksum field zeroed). */
	const uint8_t hdr[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(net_sum_finish(net_sum_add(0, hdr, sizeof(hdr))), 0xb861);
	/* Every length and split, against the textbook loop. */
	uint8_t data[67];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(data); len++) {
		assert_int_equal(net_sum_finish(net_sum_add(0, data, len)), ref_sum(data, len, 0));
		for (size_t cut = 0; cut <= len; cut += 2) {
			uint64_t acc =
				net_sum_add(net_sum_add(0, data, cut), data + cut, len - cut);
			assert_int_equal(net_sum_finish(acc), ref_sum(data, len, 0));
		}
	}
}

static void test_arp_request_answered(void **state)
{
	(void)state;
	load(arp_request);
	expect_answer(arp_reply);
	assert_int_equal(n.stats.arp_replies, 1);
	assert_int_equal(n.stats.frames, 1);
}

static void test_udp_echo_answered(void **state)
{
	(void)state;
	load(udp_request);
	expect_answer(udp_answer);
	assert_int_equal(n.stats.udp_echoes, 1);
	/* Padding to 60 bytes is zeros, not what the buffer held. */
	load(odd_request);
	size_t out = net_stack_input(&n, frame, frame_len, CAP);
	assert_int_equal(out, 60);
	assert_int_equal(frame[14 + 5], 1); /* identification: the second answer */
	for (size_t i = 14 + 31; i < 60; i++)
		assert_int_equal(frame[i], 0);
	assert_int_equal(ref_sum(IP, 20, 0), 0);
}

static void test_udp_without_checksum_answered(void **state)
{
	(void)state;
	load(udp_request);
	frame[14 + 20 + 6] = frame[14 + 20 + 7] = 0;
	size_t out = net_stack_input(&n, frame, frame_len, CAP);
	assert_int_equal(out, 60);
	assert_int_equal(frame[14 + 20 + 6] | frame[14 + 20 + 7], 0);
	assert_int_equal(n.stats.udp_echoes, 1);
}

static void test_ip_options_stripped_from_the_answer(void **state)
{
	(void)state;
	load(udp_request);
	/* Four bytes of options (NOP, NOP, NOP, end) after the 20-byte header. */
	memmove(IP + 24, IP + 20, frame_len - 34);
	memcpy(IP + 20, "\x01\x01\x01\x00", 4);
	frame_len += 4;
	IP[0] = 0x46;
	IP[3] += 4;
	fix_ip_checksum();
	expect_answer(udp_answer);
}

static void test_ping_answered(void **state)
{
	(void)state;
	load(udp_request);
	/* An echo request: type 8, code 0, id 0x1234, seq 1, 20 bytes of data. */
	uint8_t *m = IP + 20;
	IP[9] = 1;
	memset(m, 0, 28);
	m[0] = 8;
	m[4] = 0x12, m[5] = 0x34, m[7] = 1;
	for (unsigned i = 0; i < 20; i++)
		m[8 + i] = (uint8_t)('a' + i);
	uint16_t c = ref_sum(m, 28, 0);
	m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
	IP[2] = 0, IP[3] = 48;
	fix_ip_checksum();
	frame_len = 14 + 48;
	uint8_t request[CAP];
	memcpy(request, frame, sizeof(frame));

	assert_int_equal(net_stack_input(&n, frame, frame_len, CAP), 62);
	assert_int_equal(n.stats.pings, 1);
	assert_int_equal(m[0], 0); /* echo reply */
	assert_int_equal(ref_sum(m, 28, 0), 0);
	assert_memory_equal(m + 4, request + 14 + 20 + 4, 24); /* id, seq, data */
	assert_int_equal(ref_sum(IP, 20, 0), 0);
	assert_memory_equal(IP + 12, knock_ip, 4);
	assert_memory_equal(IP + 16, request + 14 + 12, 4);
	assert_memory_equal(frame, request + 6, 6);
	assert_memory_equal(frame + 6, knock_mac, 6);

	/* Other ICMP types are not answered. */
	memcpy(frame, request, sizeof(frame));
	m[0] = 13; /* timestamp */
	m[2] = 0, m[3] = 0;
	c = ref_sum(m, 28, 0);
	m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
	expect_drop(NET_DROP_UNKNOWN_PROTO);
}

static void test_every_truncation_dropped(void **state)
{
	(void)state;
	const char *frames[] = { arp_request, udp_request, odd_request };
	for (unsigned f = 0; f < 3; f++) {
		load(frames[f]);
		size_t full = frame_len;
		for (size_t len = 0; len < full; len++) {
			load(frames[f]);
			frame_len = len;
			/* Before the end of a fixed header: short; after (the IP
			 * total length claims more): bad length. */
			bool ip = f > 0;
			enum net_drop why = !ip      ? NET_DROP_SHORT :
					    len < 34 ? NET_DROP_SHORT :
						       NET_DROP_BAD_LENGTH;
			expect_drop(why);
		}
	}
	assert_int_equal(n.stats.udp_echoes + n.stats.arp_replies, 0);
}

static void test_bad_checksums_dropped(void **state)
{
	(void)state;
	load(udp_request);
	frame[frame_len - 1] ^= 1; /* the payload */
	expect_drop(NET_DROP_BAD_CHECKSUM);
	load(udp_request);
	IP[8]--; /* the TTL, header checksum not fixed */
	expect_drop(NET_DROP_BAD_CHECKSUM);
}

static void test_bad_lengths_dropped(void **state)
{
	(void)state;
	load(udp_request);
	IP[3] = 19; /* total length below the header */
	fix_ip_checksum();
	expect_drop(NET_DROP_BAD_LENGTH);
	load(udp_request);
	IP[20 + 5] = 0x14; /* UDP length beyond the IP payload */
	expect_drop(NET_DROP_BAD_LENGTH);
	load(udp_request);
	IP[20 + 5] = 7; /* UDP length below its header */
	expect_drop(NET_DROP_BAD_LENGTH);
	load(udp_request);
	IP[0] = 0x44; /* header length 16 */
	expect_drop(NET_DROP_BAD_HEADER);
	load(udp_request);
	IP[0] = 0x65; /* IPv6 in an IPv4 frame */
	expect_drop(NET_DROP_BAD_HEADER);
	load(udp_request);
	IP[0] = 0x4f; /* 60 bytes of header: beyond the frame */
	expect_drop(NET_DROP_SHORT);
	load(udp_request);
	assert_int_equal(net_stack_input(&n, frame, frame_len, frame_len - 1), 0);
	assert_int_equal(n.stats.drops[NET_DROP_BAD_LENGTH], 4);
}

static void test_fragments_dropped(void **state)
{
	(void)state;
	load(udp_request);
	IP[6] = 0x20; /* more fragments */
	fix_ip_checksum();
	expect_drop(NET_DROP_FRAGMENT);
	load(udp_request);
	IP[7] = 0x10; /* a later fragment */
	fix_ip_checksum();
	expect_drop(NET_DROP_FRAGMENT);
	load(udp_request);
	IP[6] = 0x40; /* don't fragment: a whole datagram */
	fix_ip_checksum();
	expect_answer(udp_answer);
}

static void test_others_and_unknown_dropped(void **state)
{
	(void)state;
	load(udp_request);
	frame[5] ^= 1; /* another MAC */
	expect_drop(NET_DROP_NOT_FOR_US);
	load(udp_request);
	frame[0] = 0x01, frame[1] = 0x00, frame[2] = 0x5e; /* a multicast MAC */
	expect_drop(NET_DROP_NOT_FOR_US);
	load(udp_request);
	IP[19] = 16; /* another IP */
	fix_ip_checksum();
	expect_drop(NET_DROP_NOT_FOR_US);
	load(arp_request);
	frame[14 + 27] = 16; /* who has 10.0.2.16? */
	expect_drop(NET_DROP_NOT_FOR_US);
	load(udp_request);
	frame[12] = 0x86, frame[13] = 0xdd; /* IPv6 */
	expect_drop(NET_DROP_UNKNOWN_PROTO);
	load(udp_request);
	IP[9] = 6; /* TCP */
	fix_ip_checksum();
	expect_drop(NET_DROP_UNKNOWN_PROTO);
	load(arp_reply);
	memcpy(frame, knock_mac, 6);
	memcpy(frame + 14 + 18, knock_mac, 6);
	memcpy(frame + 14 + 24, knock_ip, 4);
	expect_drop(NET_DROP_UNKNOWN_PROTO); /* an ARP reply to us that nobody asked for */
	load(arp_request);
	frame[14 + 4] = 8; /* hardware address length */
	expect_drop(NET_DROP_BAD_HEADER);
	load(udp_request);
	IP[20 + 3] = 9; /* port 9 (discard), checksum left out */
	IP[20 + 6] = IP[20 + 7] = 0;
	expect_drop(NET_DROP_NO_SERVICE);
}

static void test_broadcast_sources_dropped(void **state)
{
	(void)state;
	/* An answer to these would go to everyone (a smurf amplifier). */
	load(udp_request);
	memset(IP + 12, 0xff, 4);
	fix_ip_checksum();
	IP[20 + 6] = IP[20 + 7] = 0;
	expect_drop(NET_DROP_BAD_ADDRESS);
	load(udp_request);
	frame[6] |= 1; /* a group source MAC */
	expect_drop(NET_DROP_BAD_ADDRESS);
	load(arp_request);
	frame[14 + 8] |= 1; /* the sender's hardware address */
	expect_drop(NET_DROP_BAD_ADDRESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checksum_known_values, setup),
		cmocka_unit_test_setup(test_arp_request_answered, setup),
		cmocka_unit_test_setup(test_udp_echo_answered, setup),
		cmocka_unit_test_setup(test_udp_without_checksum_answered, setup),
		cmocka_unit_test_setup(test_ip_options_stripped_from_the_answer, setup),
		cmocka_unit_test_setup(test_ping_answered, setup),
		cmocka_unit_test_setup(test_every_truncation_dropped, setup),
		cmocka_unit_test_setup(test_bad_checksums_dropped, setup),
		cmocka_unit_test_setup(test_bad_lengths_dropped, setup),
		cmocka_unit_test_setup(test_fragments_dropped, setup),
		cmocka_unit_test_setup(test_others_and_unknown_dropped, setup),
		cmocka_unit_test_setup(test_broadcast_sources_dropped, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
