/*
 * capsules/virtio_net.c against a fake transport (fake_virtio.h) whose
 * device reads the two queues the capsule set up, as a virtio-net does:
 * frames written into the receive buffers it finds (after the 12-byte
 * virtio-net header), and frames read from the transmit buffers it is
 * given. With the IPv4 host of capsules/net_stack.c as the client: the
 * start-up (features, MAC from the device configuration, one MSI-X entry
 * per queue, every buffer lent to the receive queue before DRIVER_OK); an
 * echo leaving in the very buffer the request came in, with a zeroed
 * header; buffers going back to the receive queue when not answered or
 * once sent, none ever lost or in two places over thousands of frames;
 * used lengths the device should not have given (shorter than the header,
 * longer than the buffer) counted, not trusted; and each refusal one
 * warning and a FAILED device.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/net_stack.h"
#include "capsules/virtio_net.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fake_virtio.h"

static struct fake_virtio dev; /* two queues: 0 receive, 1 transmit */

/* The virtio-net device behind the transport. */
static struct {
	uint8_t config[8];
	bool hold_tx;
	/* What the device sent: the last frame, and how many. */
	uint8_t sent[VIRTIO_NET_BUF_BYTES];
	uint32_t sent_len;
	uint64_t sent_addr;
	unsigned sent_count;
} netdev;

static uint64_t config_read(uint32_t off, unsigned width)
{
	assert_int_equal(width, 1); /* the MAC is read a byte at a time */
	return off < sizeof(netdev.config) ? netdev.config[off] : 0;
}

/* The device transmits everything it was given, unless told to hold. */
static void device_tx(void)
{
	struct fake_virtq *q = &dev.q[1];
	uint16_t head;
	while (fake_virtio_take(q, &head)) {
		const struct virtq_desc *d = &q->desc[head];
		assert_false(d->flags & (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT));
		assert_true(d->len <= sizeof(netdev.sent));
		memcpy(netdev.sent, (void *)(uintptr_t)d->addr, d->len);
		netdev.sent_len = d->len;
		netdev.sent_addr = d->addr;
		netdev.sent_count++;
		fake_virtio_used(q, head, 0);
	}
}

static void notified(uint16_t q)
{
	if (q == 1 && !netdev.hold_tx)
		device_tx();
}

/* The device receives `frame`: into the next receive buffer, after a
 * header of 0xee bytes (the driver must not care), with used length
 * `used_len` (normally the header and the frame). Returns the buffer's
 * device address, or 0 if the driver gave none. */
static uint64_t device_rx(const uint8_t *frame, size_t len, uint32_t used_len)
{
	struct fake_virtq *q = &dev.q[0];
	uint16_t head;
	if (!fake_virtio_take(q, &head))
		return 0;
	const struct virtq_desc *d = &q->desc[head];
	assert_true(d->flags & VIRTQ_DESC_F_WRITE);
	assert_int_equal(d->len, VIRTIO_NET_BUF_BYTES);
	uint8_t *buf = (uint8_t *)(uintptr_t)d->addr;
	memset(buf, 0xee, VIRTIO_NET_HDR_BYTES);
	memcpy(buf + VIRTIO_NET_HDR_BYTES, frame, len);
	fake_virtio_used(q, head, used_len);
	return d->addr;
}

static struct virtio_net net;
static struct net_stack stack;
static _Alignas(16) uint8_t rx_mem[4096], tx_mem[4096];
static _Alignas(16) uint8_t bufs[VIRTIO_NET_QUEUE_SIZE * VIRTIO_NET_BUF_BYTES];

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t ip[4] = { 10, 0, 2, 15 };
/* QEMU's slirp: "knock knock" to 10.0.2.15 port 7, and knock's echo
 * (as in tests/unit/test_net_stack.c). */
static const char udp_request[] = "52540012345652550a00020208004500002700000000401162b60a0002020a"
				  "00020fad8400070013ae676b6e6f636b206b6e6f636b";
static const char udp_answer[] = "52550a00020252540012345608004500002700004000401122b60a00020f0a"
				 "0002020007ad840013ae676b6e6f636b206b6e6f636b00000000000000";
static uint8_t request[128], answer[128];
static size_t request_len, answer_len;

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

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	fake_virtio_init(&dev, 2);
	dev.config_read = config_read;
	dev.notified = notified;
	memset(&netdev, 0, sizeof(netdev));
	dev.offered = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | 1ull << 0 /* CSUM: not wanted */;
	dev.q[0].max = dev.q[1].max = 256;
	memcpy(netdev.config, mac, 6);
	request_len = unhex(udp_request, request);
	answer_len = unhex(udp_answer, answer);
	return 0;
}

static int start(unsigned nbufs)
{
	int r = virtio_net_init(&net, &dev.hil, rx_mem, (uint64_t)(uintptr_t)rx_mem, tx_mem,
				(uint64_t)(uintptr_t)tx_mem, bufs, (uint64_t)(uintptr_t)bufs, nbufs,
				0, 1);
	if (r == 0) {
		uint8_t m[6];
		net.hil.mac(net.hil.hw, m);
		net_stack_init(&stack, m, ip);
		net.hil.set_client(net.hil.hw, &stack.client);
	}
	return r;
}

/* Buffers with the device for receiving. */
static unsigned rx_posted(void)
{
	return fake_virtio_available(&dev.q[0]);
}

static void test_start_up(void **state)
{
	(void)state;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	assert_int_equal(dev.accepted, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC);
	assert_true(dev.status & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(dev.q[0].msix_entry, 0);
	assert_int_equal(dev.q[1].msix_entry, 1);
	assert_int_equal(dev.q[0].size, VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(dev.q[0].notifies, 1);
	assert_memory_equal(net.mac, mac, 6);
	fake_log_expect("virtio-net: ready, MAC 52:54:00:12:34:56 (the device's), queues of 64, "
			"64 buffers");

	/* A device without a MAC of its own: a locally administered one. */
	dev.offered &= ~VIRTIO_NET_F_MAC;
	dev.q[1].max = 16; /* the smaller queue sets both sizes, and the pool */
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	fake_log_expect("MAC 02:00:00:00:00:01 (our own), queues of 16, 16 buffers");
	assert_int_equal(rx_posted(), 16);
}

static void test_echo_leaves_in_the_same_buffer(void **state)
{
	(void)state;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	uint64_t addr =
		device_rx(request, request_len, (uint32_t)(VIRTIO_NET_HDR_BYTES + request_len));
	virtio_net_rx_service(&net);
	assert_int_equal(netdev.sent_count, 1);
	assert_int_equal(netdev.sent_addr, addr); /* no copy */
	assert_int_equal(netdev.sent_len, VIRTIO_NET_HDR_BYTES + answer_len);
	static const uint8_t zero[VIRTIO_NET_HDR_BYTES];
	assert_memory_equal(netdev.sent, zero, VIRTIO_NET_HDR_BYTES);
	assert_memory_equal(netdev.sent + VIRTIO_NET_HDR_BYTES, answer, answer_len);
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE - 1); /* out until sent */
	virtio_net_tx_service(&net);
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(net.stats.tx_frames, 1);
	assert_int_equal(net.stats.tx_done, 1);
	assert_int_equal(stack.stats.udp_echoes, 1);
}

static void test_unanswered_frame_goes_back_at_once(void **state)
{
	(void)state;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	request[request_len - 1] ^= 1; /* bad UDP checksum */
	device_rx(request, request_len, (uint32_t)(VIRTIO_NET_HDR_BYTES + request_len));
	unsigned notifies = dev.q[0].notifies;
	virtio_net_rx_service(&net);
	assert_int_equal(netdev.sent_count, 0);
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(dev.q[0].notifies, notifies + 1);
	assert_int_equal(stack.stats.drops[NET_DROP_BAD_CHECKSUM], 1);
}

static void test_bad_used_lengths_not_trusted(void **state)
{
	(void)state;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	device_rx(request, request_len, VIRTIO_NET_HDR_BYTES - 1);
	device_rx(request, request_len, VIRTIO_NET_BUF_BYTES + 1);
	device_rx(request, request_len, UINT32_MAX);
	virtio_net_rx_service(&net);
	assert_int_equal(net.stats.runt, 1);
	assert_int_equal(net.stats.oversized, 2);
	assert_int_equal(stack.stats.frames, 0); /* never reached the client */
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE);
}

static void test_no_buffer_lost_over_many_frames(void **state)
{
	(void)state;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), 0);
	netdev.hold_tx = true; /* sent only when the test says: buffers pile up in tx */
	unsigned echoed = 0;
	for (unsigned round = 0; round < 500; round++) {
		unsigned burst = 1 + round % 40;
		for (unsigned i = 0; i < burst; i++)
			assert_int_not_equal(
				device_rx(request, request_len,
					  (uint32_t)(VIRTIO_NET_HDR_BYTES + request_len)),
				0);
		virtio_net_rx_service(&net);
		if (round % 3 == 2) {
			device_tx();
			virtio_net_tx_service(&net);
		}
		echoed += burst;
		/* Every buffer is in exactly one queue: lent for receiving, or
		 * waiting to be sent (or sent, not yet taken back). */
		unsigned in_rx = VIRTIO_NET_QUEUE_SIZE - net.rx.num_free;
		unsigned in_tx = VIRTIO_NET_QUEUE_SIZE - net.tx.num_free;
		assert_int_equal(in_rx, rx_posted());
		assert_int_equal(in_rx + in_tx, VIRTIO_NET_QUEUE_SIZE);
		if (rx_posted() < 40) {
			device_tx();
			virtio_net_tx_service(&net);
		}
	}
	device_tx();
	virtio_net_tx_service(&net);
	assert_int_equal(rx_posted(), VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(net.tx.num_free, VIRTIO_NET_QUEUE_SIZE);
	assert_int_equal(netdev.sent_count, echoed);
	assert_int_equal(stack.stats.udp_echoes, echoed);
	assert_int_equal(net.stats.ring_full, 0);
	assert_int_equal(net.rx.stats.bad_used + net.tx.stats.bad_used, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	dev.q[1].max = 0;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), -1);
	fake_log_expect("virtio-net: the device has no receive or no transmit queue: not driven");
	assert_true(dev.status & VIRTIO_STATUS_FAILED);
	dev.q[1].max = 256;
	dev.refuse_vector = true;
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), -1);
	fake_log_expect("virtio-net: the device did not take its queues: not driven");
	dev.refuse_vector = false;
	dev.offered = VIRTIO_NET_F_MAC; /* legacy only */
	assert_int_equal(start(VIRTIO_NET_QUEUE_SIZE), -1);
	assert_true(dev.status & VIRTIO_STATUS_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_start_up, setup),
		cmocka_unit_test_setup(test_echo_leaves_in_the_same_buffer, setup),
		cmocka_unit_test_setup(test_unanswered_frame_goes_back_at_once, setup),
		cmocka_unit_test_setup(test_bad_used_lengths_not_trusted, setup),
		cmocka_unit_test_setup(test_no_buffer_lost_over_many_frames, setup),
		cmocka_unit_test_setup(test_refusals, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
