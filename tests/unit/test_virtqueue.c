/*
 * capsules/virtqueue.c against a fake device that reads the available
 * ring and writes the used ring as a virtio device does, in whatever order
 * the test says: chains of several buffers keep their order and flags; a
 * full queue refuses instead of overwriting; completions out of order give
 * back the right tokens and free exactly their descriptors; the 16-bit
 * indices wrap past 65535 with nothing lost; the device's "no notify" is
 * honoured; and a used entry naming a descriptor the device was not given
 * is refused, never freed twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/virtqueue.h"
#include "kernel/log.h"
#include "fake_log.h"

#define SIZE 8
#define MEM_ADDR 0x10000000ull

static struct virtq q;
static _Alignas(16) uint8_t mem[8192];

/* The fake device's side: the available entries it has taken. */
static uint16_t dev_last_avail;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	memset(mem, 0xa5, sizeof(mem)); /* virtq_init must clear what it uses */
	dev_last_avail = 0;
	assert_int_equal(virtq_init(&q, 0, SIZE, mem, MEM_ADDR), 0);
	return 0;
}

/* The device takes the next available chain: its head. */
static uint16_t dev_take(void)
{
	assert_int_not_equal(q.avail->idx, dev_last_avail);
	return q.avail->ring[dev_last_avail++ % SIZE];
}

/* The device finishes the chain at `head`, having written `len` bytes. */
static void dev_complete(uint16_t head, uint32_t len)
{
	struct virtq_used_elem *u = &q.used->ring[q.used->idx % SIZE];
	u->id = head;
	u->len = len;
	q.used->idx++;
}

static void test_layout(void **state)
{
	(void)state;
	/* 16 * 8 descriptors, avail 4 + 16 + 2 = 22 -> used at 152, used
	 * 4 + 64 + 2. */
	assert_int_equal(virtq_bytes(SIZE), 152 + 70);
	assert_int_equal(q.desc_addr, MEM_ADDR);
	assert_int_equal(q.avail_addr, MEM_ADDR + 128);
	assert_int_equal(q.used_addr, MEM_ADDR + 152);
	assert_int_equal(q.avail->idx, 0);
	assert_int_equal(q.used->idx, 0);
	assert_int_equal(q.num_free, SIZE);
	assert_int_equal(virtq_init(&q, 1, 6, mem, MEM_ADDR), -1);
	assert_int_equal(virtq_init(&q, 1, 512, mem, MEM_ADDR), -1);
	assert_int_equal(virtq_init(&q, 1, 8, mem + 4, MEM_ADDR + 4), -1);
	assert_non_null(strstr(fake_log, "virtq 1: size 6 is not a power of two"));
}

static void test_chain(void **state)
{
	(void)state;
	int token;
	const struct virtq_buf bufs[] = {
		{ 0x1000, 16, false },
		{ 0x2000, 512, true },
		{ 0x3000, 1, true },
	};
	assert_int_equal(virtq_add(&q, bufs, 3, &token), 0);
	assert_true(virtq_kick_needed(&q));
	assert_int_equal(q.avail->idx, 1);
	uint16_t head = dev_take();
	uint16_t d = head;
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(q.desc[d].addr, bufs[i].addr);
		assert_int_equal(q.desc[d].len, bufs[i].len);
		assert_int_equal(q.desc[d].flags & VIRTQ_DESC_F_WRITE,
				 bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0);
		assert_int_equal(!!(q.desc[d].flags & VIRTQ_DESC_F_NEXT), i < 2);
		d = q.desc[d].next;
	}
	assert_int_equal(q.num_free, SIZE - 3);
	uint32_t len = 0;
	assert_null(virtq_get_used(&q, &len));
	dev_complete(head, 513);
	assert_ptr_equal(virtq_get_used(&q, &len), &token);
	assert_int_equal(len, 513);
	assert_int_equal(q.num_free, SIZE);
	assert_null(virtq_get_used(&q, &len));

	q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtq_kick_needed(&q));
}

static void test_full_ring_and_out_of_order(void **state)
{
	(void)state;
	int tokens[SIZE];
	uint16_t heads[SIZE];
	struct virtq_buf two[2] = { { 0x1000, 8, false }, { 0x2000, 8, true } };

	/* Four chains of two fill the eight descriptors. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(virtq_add(&q, two, 2, &tokens[i]), 0);
	assert_int_equal(virtq_add(&q, two, 1, &tokens[4]), -1);
	assert_int_equal(q.stats.full, 1);
	assert_int_equal(q.avail->idx, 4);
	for (unsigned i = 0; i < 4; i++)
		heads[i] = dev_take();

	/* The device finishes them last first, then the second. */
	uint32_t len;
	dev_complete(heads[3], 3);
	dev_complete(heads[1], 1);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[3]);
	assert_int_equal(len, 3);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[1]);
	assert_int_equal(q.num_free, 4);
	/* The freed descriptors are reused: two more chains fit, a third not. */
	assert_int_equal(virtq_add(&q, two, 2, &tokens[4]), 0);
	assert_int_equal(virtq_add(&q, two, 2, &tokens[5]), 0);
	assert_int_equal(virtq_add(&q, two, 1, &tokens[6]), -1);
	heads[4] = dev_take();
	heads[5] = dev_take();
	/* All four outstanding chains use distinct descriptors. */
	bool seen[SIZE] = { false };
	const unsigned live[] = { 0, 2, 4, 5 };
	for (unsigned k = 0; k < 4; k++) {
		uint16_t d = heads[live[k]];
		for (unsigned i = 0; i < 2; i++) {
			assert_false(seen[d]);
			seen[d] = true;
			d = q.desc[d].next;
		}
	}
	dev_complete(heads[5], 5);
	dev_complete(heads[0], 0);
	dev_complete(heads[4], 4);
	dev_complete(heads[2], 2);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[5]);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[0]);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[4]);
	assert_ptr_equal(virtq_get_used(&q, &len), &tokens[2]);
	assert_null(virtq_get_used(&q, &len));
	assert_int_equal(q.num_free, SIZE);
	assert_int_equal(q.stats.added, 6);
	assert_int_equal(q.stats.used, 6);
}

/* 70,000 requests, up to five in flight, completed in a shuffled order:
 * both 16-bit indices wrap, and every token comes back exactly once. */
static void test_indices_wrap(void **state)
{
	(void)state;
	enum {
		TOTAL = 70000
	};
	static uint32_t ids[TOTAL];
	uint16_t in_flight[SIZE];
	unsigned n_in_flight = 0, added = 0, returned = 0;
	uint64_t sum_returned = 0;
	srand(7);
	while (returned < TOTAL) {
		while (added < TOTAL && n_in_flight < 5) {
			ids[added] = added;
			struct virtq_buf b = { 0x1000 + added, 4, true };
			assert_int_equal(virtq_add(&q, &b, 1, &ids[added]), 0);
			in_flight[n_in_flight++] = dev_take();
			added++;
		}
		unsigned pick = (unsigned)rand() % n_in_flight;
		uint16_t head = in_flight[pick];
		in_flight[pick] = in_flight[--n_in_flight];
		uint64_t addr = q.desc[head].addr;
		dev_complete(head, 4);
		uint32_t len;
		const uint32_t *t = virtq_get_used(&q, &len);
		assert_non_null(t);
		assert_int_equal(0x1000 + *t, addr); /* the token of that buffer */
		sum_returned += *t;
		returned++;
	}
	assert_int_equal(sum_returned, (uint64_t)TOTAL * (TOTAL - 1) / 2);
	assert_int_equal(q.avail->idx, (uint16_t)TOTAL);
	assert_int_equal(q.used->idx, (uint16_t)TOTAL);
	assert_int_equal(q.num_free, SIZE);
}

static void test_device_returns_what_it_was_not_given(void **state)
{
	(void)state;
	int token;
	struct virtq_buf b = { 0x1000, 8, true };
	assert_int_equal(virtq_add(&q, &b, 1, &token), 0);
	uint16_t head = dev_take();
	dev_complete(5, 1);        /* never given */
	dev_complete(SIZE + 3, 1); /* not even a descriptor */
	dev_complete(head, 8);
	dev_complete(head, 8); /* twice */
	uint32_t len;
	assert_ptr_equal(virtq_get_used(&q, &len), &token);
	assert_null(virtq_get_used(&q, &len));
	assert_int_equal(q.stats.bad_used, 3);
	assert_int_equal(q.num_free, SIZE);
	assert_non_null(
		strstr(fake_log, "virtq 0: the device used descriptor 5, which it was not given"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout, setup),
		cmocka_unit_test_setup(test_chain, setup),
		cmocka_unit_test_setup(test_full_ring_and_out_of_order, setup),
		cmocka_unit_test_setup(test_indices_wrap, setup),
		cmocka_unit_test_setup(test_device_returns_what_it_was_not_given, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
