/*
 * capsules/virtio.c and capsules/virtio_rng.c against a fake transport
 * (fake_virtio.h) whose device reads the queue the capsule set up and
 * writes bytes into the buffers it finds there, as a virtio-rng does: the
 * start-up sequence of status bits; the caller's buffer filled with
 * exactly the device's bytes, also when the device answers in short
 * pieces; one request at a time; and each way a device can refuse (legacy
 * only, FEATURES_OK not kept, no queue, MSI-X entry not taken,
 * DEVICE_NEEDS_RESET, a reset that never ends) costs one warning, leaves
 * the device FAILED and the rng HIL refusing requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/virtio_rng.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fake_virtio.h"

static struct fake_virtio dev; /* one queue, 0 */
static struct fake_virtq *const vq = &dev.q[0];

/* The virtio-rng device behind the transport. */
static struct {
	uint32_t chunk; /* bytes the device writes per buffer, at most */
	uint8_t next_byte;
	bool hold; /* take buffers but answer only when told */
} rngdev;

/* The device: answer every buffer made available since last time. */
static void device_run(void)
{
	uint16_t head;
	while (fake_virtio_take(vq, &head)) {
		const struct virtq_desc *d = &vq->desc[head];
		assert_true(d->flags & VIRTQ_DESC_F_WRITE);
		assert_false(d->flags & VIRTQ_DESC_F_NEXT);
		uint32_t n = d->len < rngdev.chunk ? d->len : rngdev.chunk;
		uint8_t *buf = (uint8_t *)(uintptr_t)d->addr;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = rngdev.next_byte++;
		fake_virtio_used(vq, head, n);
	}
}

static void notified(uint16_t q)
{
	assert_int_equal(q, 0);
	if (!rngdev.hold)
		device_run();
}

static struct virtio_rng rng;
static _Alignas(16) uint8_t queue_mem[4096];
static uint8_t dma[64];

static struct {
	unsigned calls;
	uint8_t *buf;
	size_t len;
} got;

static void ready(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	got.calls++;
	got.buf = buf;
	got.len = len;
}

static const struct hil_rng_client client = { ready, NULL };

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	fake_virtio_init(&dev, 1);
	dev.notified = notified;
	memset(&rngdev, 0, sizeof(rngdev));
	memset(&got, 0, sizeof(got));
	dev.offered = VIRTIO_F_VERSION_1 | 1u << 28; /* and one feature knock does not want */
	vq->max = 64;
	rngdev.chunk = UINT32_MAX;
	rngdev.next_byte = 1;
	return 0;
}

static int start(void)
{
	return virtio_rng_init(&rng, &dev.hil, queue_mem, (uint64_t)(uintptr_t)queue_mem, dma,
			       (uint64_t)(uintptr_t)dma, sizeof(dma), 3);
}

static void test_start_up_sequence(void **state)
{
	(void)state;
	assert_int_equal(start(), 0);
	static const uint8_t want[] = {
		VIRTIO_STATUS_ACKNOWLEDGE,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			VIRTIO_STATUS_DRIVER_OK,
	};
	assert_int_equal(dev.status_writes, 4);
	assert_memory_equal(dev.statuses, want, sizeof(want));
	assert_int_equal(dev.accepted, VIRTIO_F_VERSION_1); /* only what knock knows */
	assert_int_equal(vq->size, VIRTIO_RNG_QUEUE_SIZE);
	assert_int_equal(vq->msix_entry, 3);
	assert_non_null(strstr(fake_log, "virtio-rng: ready, queue of 8"));

	vq->max = 6; /* not a power of two: the largest one below */
	assert_int_equal(start(), 0);
	assert_int_equal(vq->size, 4);
}

static void test_bytes_reach_the_caller(void **state)
{
	(void)state;
	uint8_t buf[200];
	assert_int_equal(start(), 0);
	rng.hil.set_client(rng.hil.hw, &client);

	/* The device answers in pieces of 50 bytes of a 64-byte buffer: the
	 * capsule asks again until the 200 bytes are there. */
	rngdev.chunk = 50;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rng.hil.get(rng.hil.hw, buf, sizeof(buf)), 0);
	assert_int_equal(got.calls, 0); /* never from inside get() */
	for (int i = 0; i < 10 && !got.calls; i++)
		virtio_rng_service(&rng); /* the loop, for the queue's bit */
	assert_int_equal(got.calls, 1);
	assert_ptr_equal(got.buf, buf);
	assert_int_equal(got.len, sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], (uint8_t)(1 + i));
	assert_int_equal(rng.stats.submitted, 4);
	assert_int_equal(rng.stats.bytes, 200);
	assert_int_equal(vq->notifies, 4);
}

static void test_one_request_at_a_time(void **state)
{
	(void)state;
	uint8_t a[8], b[8];
	assert_int_equal(start(), 0);
	rng.hil.set_client(rng.hil.hw, &client);
	rngdev.hold = true;
	assert_int_equal(rng.hil.get(rng.hil.hw, a, sizeof(a)), 0);
	assert_int_equal(rng.hil.get(rng.hil.hw, b, sizeof(b)), -1);
	assert_int_equal(rng.hil.get(rng.hil.hw, b, 0), -1);
	virtio_rng_service(&rng); /* a knock with nothing used yet: nothing */
	assert_int_equal(got.calls, 0);
	device_run();
	virtio_rng_service(&rng);
	assert_int_equal(got.calls, 1);
	assert_ptr_equal(got.buf, a);
	assert_int_equal(rng.hil.get(rng.hil.hw, b, sizeof(b)), 0); /* free again */
}

static void expect_refused(const char *why)
{
	assert_int_equal(start(), -1);
	if (!strstr(fake_log, why))
		fail_msg("expected \"%s\" in the log:\n%s", why, fake_log);
	unsigned warnings = 0;
	for (const char *p = fake_log; (p = strstr(p, "warning: ")) != NULL; p++)
		warnings++;
	assert_int_equal(warnings, 1);
	assert_true(dev.status & VIRTIO_STATUS_FAILED);
	uint8_t buf[4];
	assert_int_equal(rng.hil.get(rng.hil.hw, buf, sizeof(buf)), -1);
}

static void test_legacy_only(void **state)
{
	(void)state;
	dev.offered = 1u << 28;
	expect_refused(
		"virtio-rng: the device does not offer VIRTIO_F_VERSION_1 (legacy only): not driven");
}

static void test_features_refused(void **state)
{
	(void)state;
	dev.keep_features_ok = false;
	expect_refused(
		"virtio-rng: the device refused the features (FEATURES_OK not kept): not driven");
}

static void test_needs_reset(void **state)
{
	(void)state;
	dev.needs_reset = true;
	expect_refused("virtio-rng: the device reports DEVICE_NEEDS_RESET: not driven");
}

static void test_no_queue(void **state)
{
	(void)state;
	vq->max = 0;
	expect_refused("virtio-rng: the device has no request queue: not driven");
}

static void test_vector_refused(void **state)
{
	(void)state;
	dev.refuse_vector = true;
	expect_refused("virtio-rng: the device did not take its queue (MSI-X entry 3): not driven");
}

static void test_reset_hangs(void **state)
{
	(void)state;
	dev.reset_hangs = true;
	expect_refused("virtio-rng: the device does not finish its reset: not driven");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_start_up_sequence, setup),
		cmocka_unit_test_setup(test_bytes_reach_the_caller, setup),
		cmocka_unit_test_setup(test_one_request_at_a_time, setup),
		cmocka_unit_test_setup(test_legacy_only, setup),
		cmocka_unit_test_setup(test_features_refused, setup),
		cmocka_unit_test_setup(test_needs_reset, setup),
		cmocka_unit_test_setup(test_no_queue, setup),
		cmocka_unit_test_setup(test_vector_refused, setup),
		cmocka_unit_test_setup(test_reset_hangs, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
