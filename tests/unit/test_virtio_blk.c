/*
 * capsules/virtio_blk.c and capsules/virtio_intx.c against a fake
 * transport (fake_virtio.h) whose device reads the queue the capsule set
 * up and serves each chain as a virtio-blk does (header, data, status
 * byte) on a disk of its own: the features taken, the capacity, reads and
 * writes reaching the disk and the caller's buffer, answers only from the
 * service, requests in flight bounded by the queue (a full queue refuses
 * with HIL_BLOCK_FULL and room() follows a completion), completions out
 * of order, the device's error status, bad requests refused, each way a
 * device can refuse to start, and the INTx service's order: ISR read,
 * drain, unmask.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/virtio_blk.h"
#include "capsules/virtio_intx.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fake_virtio.h"

#define DISK_SECTORS 64

static struct fake_virtio dev; /* one queue, 0 */
static struct fake_virtq *const vq = &dev.q[0];

/* The virtio-blk device behind the transport. */
static struct {
	bool hold;      /* take chains but answer only when told */
	uint8_t answer; /* the status byte it writes */
	uint8_t isr;    /* what the ISR read returns (and clears) */
	char order[16]; /* i: ISR read, s: service, u: unmask */
	unsigned order_len;
	uint8_t sectors[DISK_SECTORS][HIL_BLOCK_SECTOR];
	unsigned flushes;
} disk;

static uint64_t config_read(uint32_t offset, unsigned width)
{
	assert_int_equal(offset, 0); /* capacity, le64 */
	assert_int_equal(width, 8);
	return DISK_SECTORS;
}
static uint8_t isr(void)
{
	disk.order[disk.order_len++] = 'i';
	uint8_t v = disk.isr;
	disk.isr = 0;
	return v;
}

/* Serve the chain at `head` (not necessarily the oldest). */
static void serve(uint16_t head)
{
	const struct virtq_desc *h = &vq->desc[head];
	assert_int_equal(h->len, 16);
	assert_false(h->flags & VIRTQ_DESC_F_WRITE);
	assert_true(h->flags & VIRTQ_DESC_F_NEXT);
	const struct virtio_blk_req *r = (const struct virtio_blk_req *)(uintptr_t)h->addr;
	const struct virtq_desc *d = &vq->desc[h->next];
	const struct virtq_desc *st = d;
	uint32_t written = 1;
	if (r->type != 4) { /* IN or OUT: a data buffer, then the status */
		assert_true(d->flags & VIRTQ_DESC_F_NEXT);
		st = &vq->desc[d->next];
		assert_int_equal(d->len % HIL_BLOCK_SECTOR, 0);
		assert_true(r->sector + d->len / HIL_BLOCK_SECTOR <= DISK_SECTORS);
		if (r->type == 0) {
			assert_true(d->flags & VIRTQ_DESC_F_WRITE);
			memcpy((void *)(uintptr_t)d->addr, disk.sectors[r->sector], d->len);
			written += d->len;
		} else {
			assert_int_equal(r->type, 1);
			assert_false(d->flags & VIRTQ_DESC_F_WRITE);
			memcpy(disk.sectors[r->sector], (const void *)(uintptr_t)d->addr, d->len);
		}
	} else {
		disk.flushes++;
	}
	assert_int_equal(st->len, 1);
	assert_true(st->flags & VIRTQ_DESC_F_WRITE);
	assert_false(st->flags & VIRTQ_DESC_F_NEXT);
	*(uint8_t *)(uintptr_t)st->addr = disk.answer;
	fake_virtio_used(vq, head, written);
	disk.isr |= VIRTIO_ISR_QUEUE;
}

/* Answer every chain made available so far; newest first if `reverse`. */
static void device_run(bool reverse)
{
	uint16_t heads[VIRTQ_MAX_SIZE];
	unsigned n = 0;
	while (fake_virtio_take(vq, &heads[n]))
		n++;
	for (unsigned i = 0; i < n; i++)
		serve(heads[reverse ? n - 1 - i : i]);
}

static void notified(uint16_t q)
{
	assert_int_equal(q, 0);
	if (!disk.hold)
		device_run(false);
}

static struct virtio_blk blk;
static _Alignas(16) uint8_t queue_mem[4096];
static _Alignas(16) uint8_t reqs_mem[VIRTIO_BLK_REQ_BYTES];

#define MAX_DONE 32
static struct {
	unsigned calls, rooms, in_call;
	struct {
		enum hil_block_op op;
		uint64_t lba;
		uint8_t *buf;
		size_t sectors;
		int ok;
	} d[MAX_DONE];
} got;

static void done(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t sectors,
		 int ok)
{
	(void)ctx;
	assert_int_equal(got.in_call, 0); /* never from inside a request */
	if (got.calls >= MAX_DONE) {      /* counted, not kept */
		got.calls++;
		return;
	}
	got.d[got.calls].op = op;
	got.d[got.calls].lba = lba;
	got.d[got.calls].buf = buf;
	got.d[got.calls].sectors = sectors;
	got.d[got.calls].ok = ok;
	got.calls++;
}

static void room(void *ctx)
{
	(void)ctx;
	assert_int_equal(got.in_call, 0);
	got.rooms++;
}

static const struct hil_block_client client = { .ctx = NULL, .done = done, .room = room };

static int rd(uint64_t lba, uint8_t *buf, size_t n)
{
	got.in_call++;
	int rc = blk.hil.read(blk.hil.hw, lba, buf, n);
	got.in_call--;
	return rc;
}

static int wr(uint64_t lba, uint8_t *buf, size_t n)
{
	got.in_call++;
	int rc = blk.hil.write(blk.hil.hw, lba, buf, n);
	got.in_call--;
	return rc;
}

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	fake_virtio_init(&dev, 1);
	dev.config_read = config_read;
	dev.isr = isr;
	dev.notified = notified;
	memset(&disk, 0, sizeof(disk));
	memset(&got, 0, sizeof(got));
	/* VERSION_1, RO off, FLUSH, BLK_SIZE, SEG_MAX, and bit 28 (indirect
	 * descriptors), which knock does not take. */
	dev.offered = VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_BLK_SIZE |
		      VIRTIO_BLK_F_SEG_MAX | 1u << 28;
	vq->max = 256;
	for (unsigned s = 0; s < DISK_SECTORS; s++)
		for (unsigned i = 0; i < HIL_BLOCK_SECTOR; i++)
			disk.sectors[s][i] = (uint8_t)(s * 7 + i);
	return 0;
}

static int start(void)
{
	int rc = virtio_blk_init(&blk, &dev.hil, queue_mem, (uint64_t)(uintptr_t)queue_mem,
				 reqs_mem, (uint64_t)(uintptr_t)reqs_mem, 2);
	blk.hil.set_client(blk.hil.hw, &client);
	return rc;
}

static void test_start_up(void **state)
{
	(void)state;
	assert_int_equal(start(), 0);
	assert_int_equal(dev.accepted, VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH);
	assert_true(dev.status & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(vq->size, VIRTIO_BLK_QUEUE_SIZE);
	assert_int_equal(vq->msix_entry, 2);
	assert_int_equal(blk.hil.capacity(blk.hil.hw), DISK_SECTORS);
	assert_int_equal(blk.hil.read_only(blk.hil.hw), 0);
	fake_log_expect(
		"virtio-blk: ready, 64 sectors (32 KiB), queue of 16, 5 requests in flight");
}

static void test_read_and_write(void **state)
{
	(void)state;
	static uint8_t buf[8 * HIL_BLOCK_SECTOR], out[HIL_BLOCK_SECTOR];
	assert_int_equal(start(), 0);
	assert_int_equal(rd(8, buf, 8), 0);
	assert_int_equal(got.calls, 0); /* the device answered, the service has not run */
	virtio_blk_service(&blk);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.d[0].op, HIL_BLOCK_READ);
	assert_int_equal(got.d[0].lba, 8);
	assert_ptr_equal(got.d[0].buf, buf);
	assert_int_equal(got.d[0].sectors, 8);
	assert_true(got.d[0].ok);
	assert_memory_equal(buf, disk.sectors[8], sizeof(buf));

	memset(out, 0x5a, sizeof(out));
	assert_int_equal(wr(63, out, 1), 0); /* the last sector */
	virtio_blk_service(&blk);
	assert_int_equal(got.calls, 2);
	assert_int_equal(got.d[1].op, HIL_BLOCK_WRITE);
	assert_true(got.d[1].ok);
	assert_memory_equal(disk.sectors[63], out, sizeof(out));

	got.in_call++;
	assert_int_equal(blk.hil.flush(blk.hil.hw), 0);
	got.in_call--;
	virtio_blk_service(&blk);
	assert_int_equal(disk.flushes, 1);
	assert_int_equal(got.d[2].op, HIL_BLOCK_FLUSH);
	assert_null(got.d[2].buf);
	assert_int_equal(blk.stats.sectors_read, 8);
	assert_int_equal(blk.stats.sectors_written, 1);
}

static void test_full_queue_waits_for_room(void **state)
{
	(void)state;
	static uint8_t buf[8][HIL_BLOCK_SECTOR];
	assert_int_equal(start(), 0);
	disk.hold = true;
	/* A queue of 16 descriptors holds 5 requests of 3. */
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(rd(i, buf[i], 1), 0);
	assert_int_equal(rd(5, buf[5], 1), HIL_BLOCK_FULL);
	assert_int_equal(rd(6, buf[6], 1), HIL_BLOCK_FULL);
	assert_int_equal(blk.stats.full, 2);
	virtio_blk_service(&blk); /* a knock with nothing used yet: no room */
	assert_int_equal(got.rooms, 0);
	device_run(true); /* newest first */
	virtio_blk_service(&blk);
	assert_int_equal(got.calls, 5);
	assert_int_equal(got.rooms, 1); /* once, however many left */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(got.d[i].lba, 4 - i); /* in the device's order */
		assert_ptr_equal(got.d[i].buf, buf[4 - i]);
		assert_memory_equal(buf[4 - i], disk.sectors[4 - i], HIL_BLOCK_SECTOR);
	}
	assert_int_equal(rd(5, buf[5], 1), 0);
	device_run(false);
	virtio_blk_service(&blk);
	assert_int_equal(got.rooms, 1); /* nobody was refused since */
	/* 70 more requests: the slots and descriptors come back every time. */
	disk.hold = false;
	for (unsigned i = 0; i < 70; i++) {
		assert_int_equal(rd(i % DISK_SECTORS, buf[0], 1), 0);
		virtio_blk_service(&blk);
	}
	assert_int_equal(got.calls, 76);
	assert_int_equal(blk.in_flight, 0);
}

static void test_device_error_and_bad_requests(void **state)
{
	(void)state;
	static uint8_t buf[2 * HIL_BLOCK_SECTOR];
	assert_int_equal(start(), 0);
	disk.answer = 1; /* VIRTIO_BLK_S_IOERR */
	assert_int_equal(rd(0, buf, 1), 0);
	virtio_blk_service(&blk);
	assert_int_equal(got.calls, 1);
	assert_false(got.d[0].ok);
	assert_int_equal(blk.stats.errors, 1);

	assert_int_equal(rd(64, buf, 1), HIL_BLOCK_REFUSED); /* past the end */
	assert_int_equal(rd(63, buf, 2), HIL_BLOCK_REFUSED); /* runs past it */
	assert_int_equal(rd(UINT64_MAX, buf, 2), HIL_BLOCK_REFUSED);
	assert_int_equal(rd(0, buf, 0), HIL_BLOCK_REFUSED);
	assert_int_equal(rd(0, NULL, 1), HIL_BLOCK_REFUSED);
	assert_int_equal(rd(0, buf, VIRTIO_BLK_MAX_SECTORS + 1), HIL_BLOCK_REFUSED);
	assert_int_equal(blk.stats.refused, 6);
	assert_int_equal(vq->notifies, 1);
}

static void test_read_only_and_no_flush(void **state)
{
	(void)state;
	static uint8_t buf[HIL_BLOCK_SECTOR];
	dev.offered = VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_RO;
	assert_int_equal(start(), 0);
	assert_int_equal(blk.hil.read_only(blk.hil.hw), 1);
	assert_int_equal(wr(0, buf, 1), HIL_BLOCK_REFUSED);
	assert_int_equal(blk.hil.flush(blk.hil.hw), HIL_BLOCK_REFUSED);
	assert_int_equal(rd(0, buf, 1), 0);
	fake_log_expect("read-only");
}

static void expect_refused(const char *why)
{
	static uint8_t buf[HIL_BLOCK_SECTOR];
	assert_int_equal(start(), -1);
	fake_log_expect(why);
	assert_int_equal(fake_log_count("warning: "), 1);
	assert_true(dev.status & VIRTIO_STATUS_FAILED);
	assert_int_equal(rd(0, buf, 1), HIL_BLOCK_REFUSED);
	assert_int_equal(blk.hil.capacity(blk.hil.hw), 0);
}

static void test_refusals(void **state)
{
	(void)state;
	dev.offered = VIRTIO_BLK_F_FLUSH;
	expect_refused("virtio-blk: the device does not offer VIRTIO_F_VERSION_1 (legacy only): "
		       "not driven");
	setup(NULL);
	dev.keep_features_ok = false;
	expect_refused("virtio-blk: the device refused the features (FEATURES_OK not kept): "
		       "not driven");
	setup(NULL);
	dev.needs_reset = true;
	expect_refused("virtio-blk: the device reports DEVICE_NEEDS_RESET: not driven");
	setup(NULL);
	vq->max = 2;
	expect_refused("virtio-blk: the device's request queue holds 2 descriptors, fewer than "
		       "one request needs: not driven");
}

static void order_service(void *ctx)
{
	disk.order[disk.order_len++] = 's';
	virtio_blk_service(ctx);
}
static void unmask(void *hw)
{
	(void)hw;
	disk.order[disk.order_len++] = 'u';
}

static void test_intx_order(void **state)
{
	(void)state;
	static uint8_t buf[HIL_BLOCK_SECTOR];
	static const struct hil_irq_line line = { .hw = NULL, .unmask = unmask };
	struct virtio_intx x;
	assert_int_equal(start(), 0);
	virtio_intx_init(&x, &dev.hil, &line, order_service, &blk);
	assert_int_equal(rd(3, buf, 1), 0);
	virtio_intx_service(&x);
	assert_string_equal(disk.order, "isu");
	assert_int_equal(got.calls, 1);
	assert_int_equal(x.stats.queue, 1);
	virtio_intx_service(&x); /* nothing new: counted as empty, still unmasked */
	assert_string_equal(disk.order, "isuisu");
	assert_int_equal(x.stats.empty, 1);
	assert_int_equal(x.stats.services, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_start_up, setup),
		cmocka_unit_test_setup(test_read_and_write, setup),
		cmocka_unit_test_setup(test_full_queue_waits_for_room, setup),
		cmocka_unit_test_setup(test_device_error_and_bad_requests, setup),
		cmocka_unit_test_setup(test_read_only_and_no_flush, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_intx_order, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
