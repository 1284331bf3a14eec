/*
 * kernel/upcall_queue.c: upcalls come out in the order they went in, a
 * full queue refuses and counts (never overwrites, never silently drops),
 * and a new subscription takes back exactly its own queued upcalls,
 * wherever the ring has wrapped to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/upcall_queue.h"

static struct upcall make(uint32_t driver, uint32_t sub, uint64_t n)
{
	struct upcall u = { .driver = driver,
			    .subscribe = sub,
			    .fn = 0x8000001000ull + sub,
			    .userdata = n * 7,
			    .arg = { n, n + 1, n + 2 } };
	return u;
}

static void test_fifo_order(void **state)
{
	(void)state;
	struct upcall_queue q;
	struct upcall u;

	upcall_queue_init(&q);
	assert_false(upcall_queue_pop(&q, &u));
	for (uint64_t n = 0; n < 5; n++) {
		struct upcall in = make(1, 0, n);
		assert_true(upcall_queue_push(&q, &in));
	}
	assert_int_equal(upcall_queue_count(&q), 5);
	for (uint64_t n = 0; n < 5; n++) {
		assert_true(upcall_queue_pop(&q, &u));
		assert_int_equal(u.arg[0], n);
		assert_int_equal(u.arg[2], n + 2);
		assert_int_equal(u.userdata, n * 7);
	}
	assert_false(upcall_queue_pop(&q, &u));
	assert_int_equal(q.queued, 5);
	assert_int_equal(q.delivered, 5);
	assert_int_equal(q.dropped, 0);
}

static void test_overflow_counted_and_oldest_kept(void **state)
{
	(void)state;
	struct upcall_queue q;
	struct upcall u;

	upcall_queue_init(&q);
	for (uint64_t n = 0; n < UPCALL_QUEUE_LEN + 3; n++) {
		struct upcall in = make(2, 1, n);
		assert_int_equal(upcall_queue_push(&q, &in), n < UPCALL_QUEUE_LEN);
	}
	assert_int_equal(q.dropped, 3);
	assert_int_equal(q.queued, UPCALL_QUEUE_LEN);
	assert_int_equal(upcall_queue_count(&q), UPCALL_QUEUE_LEN);
	/* What was queued is intact: the refused ones overwrote nothing. */
	for (uint64_t n = 0; n < UPCALL_QUEUE_LEN; n++) {
		assert_true(upcall_queue_pop(&q, &u));
		assert_int_equal(u.arg[0], n);
	}
	/* Room again after delivery. */
	struct upcall in = make(2, 1, 99);
	assert_true(upcall_queue_push(&q, &in));
	assert_int_equal(q.dropped, 3);
}

static void test_ring_wraps(void **state)
{
	(void)state;
	struct upcall_queue q;
	struct upcall u;
	uint64_t next_in = 0, next_out = 0;

	upcall_queue_init(&q);
	/* Three in, two out, many times: head goes round the ring. */
	for (int round = 0; round < 3 * UPCALL_QUEUE_LEN; round++) {
		for (int i = 0; i < 3 && upcall_queue_count(&q) < UPCALL_QUEUE_LEN; i++) {
			struct upcall in = make(1, 0, next_in++);
			assert_true(upcall_queue_push(&q, &in));
		}
		for (int i = 0; i < 2; i++) {
			assert_true(upcall_queue_pop(&q, &u));
			assert_int_equal(u.arg[0], next_out++);
		}
	}
	while (upcall_queue_pop(&q, &u))
		assert_int_equal(u.arg[0], next_out++);
	assert_int_equal(next_out, next_in);
}

static void test_remove_one_subscription(void **state)
{
	(void)state;
	struct upcall_queue q;
	struct upcall u;

	upcall_queue_init(&q);
	/* Start late in the ring so the remove works across the wrap. */
	for (int i = 0; i < UPCALL_QUEUE_LEN - 3; i++) {
		struct upcall in = make(9, 9, 0);
		upcall_queue_push(&q, &in);
		upcall_queue_pop(&q, &u);
	}
	/* (1,0) (1,1) (1,0) (2,0) (1,0) (1,1) */
	static const uint32_t who[][2] = { { 1, 0 }, { 1, 1 }, { 1, 0 },
					   { 2, 0 }, { 1, 0 }, { 1, 1 } };
	for (uint64_t n = 0; n < 6; n++) {
		struct upcall in = make(who[n][0], who[n][1], n);
		assert_true(upcall_queue_push(&q, &in));
	}
	assert_int_equal(upcall_queue_remove(&q, 1, 0), 3);
	assert_int_equal(q.removed, 3);
	assert_int_equal(upcall_queue_remove(&q, 1, 0), 0);
	assert_int_equal(upcall_queue_remove(&q, 3, 0), 0);
	/* The others, in their order. */
	static const uint64_t left[] = { 1, 3, 5 };
	for (int i = 0; i < 3; i++) {
		assert_true(upcall_queue_pop(&q, &u));
		assert_int_equal(u.arg[0], left[i]);
		assert_false(u.driver == 1 && u.subscribe == 0);
	}
	assert_false(upcall_queue_pop(&q, &u));
	/* The removed slots are free again: the queue holds a full load. */
	for (int i = 0; i < UPCALL_QUEUE_LEN; i++) {
		struct upcall in = make(1, 0, 0);
		assert_true(upcall_queue_push(&q, &in));
	}
	assert_int_equal(upcall_queue_remove(&q, 1, 0), UPCALL_QUEUE_LEN);
	assert_int_equal(upcall_queue_count(&q), 0);
}

static void test_clear_keeps_the_counters(void **state)
{
	(void)state;
	struct upcall_queue q;
	struct upcall u;

	upcall_queue_init(&q);
	for (uint64_t n = 0; n < UPCALL_QUEUE_LEN + 1; n++) {
		struct upcall in = make(1, 0, n);
		upcall_queue_push(&q, &in);
	}
	upcall_queue_pop(&q, &u);
	upcall_queue_clear(&q);
	assert_int_equal(upcall_queue_count(&q), 0);
	assert_false(upcall_queue_pop(&q, &u));
	assert_int_equal(q.queued, UPCALL_QUEUE_LEN);
	assert_int_equal(q.delivered, 1);
	assert_int_equal(q.dropped, 1);
	/* Usable again from an empty ring. */
	struct upcall in = make(2, 0, 5);
	assert_true(upcall_queue_push(&q, &in));
	assert_true(upcall_queue_pop(&q, &u));
	assert_int_equal(u.arg[0], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_overflow_counted_and_oldest_kept),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_remove_one_subscription),
		cmocka_unit_test(test_clear_keeps_the_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
