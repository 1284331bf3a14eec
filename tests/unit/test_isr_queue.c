/*
 * The bake-off's bounded event queue (kernel/isr_queue.h): first in, first
 * out; a full queue drops and counts per source; the counters wrap safely.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/lab/isr_queue.h"

static struct isr_queue q;

static struct isr_event event(uint8_t source, uint8_t byte)
{
	return (struct isr_event){ .entry = 1000u + byte, .source = source, .byte = byte };
}

static void test_events_come_out_in_the_order_they_went_in(void **state)
{
	struct isr_event out;

	(void)state;
	isr_queue_init(&q);
	assert_false(isr_queue_pop(&q, &out));
	for (uint8_t i = 0; i < 10; i++)
		assert_true(isr_queue_push(&q, &(struct isr_event){ .source = i % 3, .byte = i }));
	assert_int_equal(isr_queue_length(&q), 10);
	for (uint8_t i = 0; i < 10; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, i);
		assert_int_equal(out.source, i % 3);
	}
	assert_false(isr_queue_pop(&q, &out));
	assert_int_equal(q.pushed[0], 4);
	assert_int_equal(q.pushed[1], 3);
	assert_int_equal(q.pushed[2], 3);
	assert_int_equal(q.high_water, 10);
}

static void test_a_full_queue_drops_and_counts_per_source(void **state)
{
	struct isr_event out;

	(void)state;
	isr_queue_init(&q);
	for (unsigned i = 0; i < ISR_QUEUE_SIZE; i++)
		assert_true(
			isr_queue_push(&q, &(struct isr_event){ .source = 1, .byte = (uint8_t)i }));
	struct isr_event late = event(2, 0xaa);
	assert_false(isr_queue_push(&q, &late));
	assert_false(isr_queue_push(&q, &late));
	struct isr_event later = event(1, 0xbb);
	assert_false(isr_queue_push(&q, &later));
	assert_int_equal(q.dropped[2], 2);
	assert_int_equal(q.dropped[1], 1);
	assert_int_equal(q.pushed[1], ISR_QUEUE_SIZE);
	assert_int_equal(q.high_water, ISR_QUEUE_SIZE);

	/* What was in stays intact; one pop makes room for exactly one. */
	assert_true(isr_queue_pop(&q, &out));
	assert_int_equal(out.byte, 0);
	assert_true(isr_queue_push(&q, &later));
	assert_false(isr_queue_push(&q, &later));
	for (unsigned i = 1; i < ISR_QUEUE_SIZE; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, (uint8_t)i);
	}
	assert_true(isr_queue_pop(&q, &out));
	assert_int_equal(out.byte, 0xbb);
	assert_int_equal(out.entry, 1000u + 0xbb);
	assert_false(isr_queue_pop(&q, &out));
}

static void test_counters_wrap_around_2_to_the_32(void **state)
{
	struct isr_event out;

	(void)state;
	isr_queue_init(&q);
	q.head = q.tail = UINT32_MAX - 2;
	for (uint8_t i = 0; i < 6; i++)
		assert_true(isr_queue_push(&q, &(struct isr_event){ .source = 0, .byte = i }));
	assert_int_equal(isr_queue_length(&q), 6);
	for (uint8_t i = 0; i < 6; i++) {
		assert_true(isr_queue_pop(&q, &out));
		assert_int_equal(out.byte, i);
	}
	assert_int_equal(isr_queue_length(&q), 0);
}

static void test_a_source_out_of_range_is_counted_as_the_last(void **state)
{
	(void)state;
	isr_queue_init(&q);
	for (unsigned i = 0; i < ISR_QUEUE_SIZE; i++)
		assert_true(isr_queue_push(&q, &(struct isr_event){ .source = 200 }));
	assert_false(isr_queue_push(&q, &(struct isr_event){ .source = 200 }));
	assert_int_equal(q.pushed[ISR_QUEUE_SOURCES - 1], ISR_QUEUE_SIZE);
	assert_int_equal(q.dropped[ISR_QUEUE_SOURCES - 1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_come_out_in_the_order_they_went_in),
		cmocka_unit_test(test_a_full_queue_drops_and_counts_per_source),
		cmocka_unit_test(test_counters_wrap_around_2_to_the_32),
		cmocka_unit_test(test_a_source_out_of_range_is_counted_as_the_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
