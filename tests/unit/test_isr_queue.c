/*
 * The ISR-queue design's per-source rings (kernel/lab/isr_queue.h): first
 * in, first out; room tells the handler when to throttle; a push into a
 * full ring drops and counts; the counters wrap safely; a size that is not
 * a power of two is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_arch.h"
#include "fake_log.h"
#include "kernel/lab/isr_queue.h"
#include "kernel/log.h"

#define SLOTS 16

static struct isr_queue q;
static struct isr_slot slots[SLOTS];

static void test_bytes_come_out_in_the_order_they_went_in(void **state)
{
	struct isr_slot out;

	(void)state;
	isr_queue_init(&q, slots, SLOTS);
	assert_false(isr_queue_pop(&q, &out));
	for (uint8_t i = 0; i < 10; i++)
		assert_true(isr_queue_push(&q, 1000u + i, i, i % 4 == 3));
	assert_int_equal(isr_queue_length(&q), 10);
	assert_int_equal(isr_queue_room(&q), SLOTS - 10);
	for (uint8_t i = 0; i < 10; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, i);
		assert_int_equal(out.entry, 1000u + i);
		assert_int_equal(out.last, i % 4 == 3);
	}
	assert_false(isr_queue_pop(&q, &out));
	assert_int_equal(q.pushed, 10);
	assert_int_equal(q.high_water, 10);
	assert_int_equal(q.dropped, 0);
}

static void test_a_full_ring_has_no_room_and_drops_and_counts(void **state)
{
	struct isr_slot out;

	(void)state;
	isr_queue_init(&q, slots, SLOTS);
	for (unsigned i = 0; i < SLOTS; i++)
		assert_true(isr_queue_push(&q, 0, (uint8_t)i, false));
	assert_int_equal(isr_queue_room(&q), 0);
	assert_false(isr_queue_push(&q, 0, 0xaa, true));
	assert_false(isr_queue_push(&q, 0, 0xaa, true));
	assert_int_equal(q.dropped, 2);
	assert_int_equal(q.pushed, SLOTS);

	/* What was in stays intact; one pop makes room for exactly one. */
	assert_true(isr_queue_pop(&q, &out));
	assert_int_equal(out.byte, 0);
	assert_int_equal(isr_queue_room(&q), 1);
	assert_true(isr_queue_push(&q, 7, 0xbb, true));
	assert_false(isr_queue_push(&q, 7, 0xcc, true));
	for (unsigned i = 1; i < SLOTS; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, (uint8_t)i);
	}
	assert_true(isr_queue_pop(&q, &out));
	assert_int_equal(out.byte, 0xbb);
	assert_int_equal(out.entry, 7);
	assert_false(isr_queue_pop(&q, &out));
}

static void test_counters_wrap_around_2_to_the_32(void **state)
{
	struct isr_slot out;

	(void)state;
	isr_queue_init(&q, slots, SLOTS);
	q.head = q.tail = UINT32_MAX - 2;
	for (uint8_t i = 0; i < 6; i++)
		assert_true(isr_queue_push(&q, 0, i, false));
	assert_int_equal(isr_queue_length(&q), 6);
	for (uint8_t i = 0; i < 6; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, i);
	}
	assert_int_equal(isr_queue_length(&q), 0);
}

static void test_a_size_not_a_power_of_two_panics(void **state)
{
	(void)state;
	fake_log_clear();
	log_add_sink(fake_log_sink);
	expect_assert_failure(isr_queue_init(&q, slots, 12));
	assert_non_null(strstr(fake_log, "12 slots is not a power of two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_come_out_in_the_order_they_went_in),
		cmocka_unit_test(test_a_full_ring_has_no_room_and_drops_and_counts),
		cmocka_unit_test(test_counters_wrap_around_2_to_the_32),
		cmocka_unit_test(test_a_size_not_a_power_of_two_panics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
