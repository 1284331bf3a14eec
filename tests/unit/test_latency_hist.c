/*
 * kernel/latency_hist.h: the log-linear buckets (every value lands in a
 * bucket whose top is at most 1/8 above it), exact min/max/count,
 * percentiles by rank, merging, and the empty histogram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/latency_hist.h"

static struct latency_hist h, g;

static int setup(void **state)
{
	(void)state;
	latency_hist_reset(&h);
	latency_hist_reset(&g);
	return 0;
}

static void test_small_values_have_a_bucket_each(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 8; v++) {
		assert_int_equal(latency_hist_bucket(v), v);
		assert_int_equal(latency_hist_bucket_top(latency_hist_bucket(v)), v);
	}
	assert_int_equal(latency_hist_bucket(8), 8);
	assert_int_equal(latency_hist_bucket(15), 15);
	assert_int_equal(latency_hist_bucket(16), 16);
	assert_int_equal(latency_hist_bucket(17), 16); /* [16, 18) */
}

/* Every value's bucket top is >= the value and within 1/8 of it, buckets
 * never go backwards, and each bucket's top is the value just below the
 * next bucket's first. */
static void test_bucket_tops_bound_values_within_an_eighth(void **state)
{
	(void)state;
	unsigned prev = 0;
	for (uint64_t v = 1; v < (UINT64_C(1) << LATENCY_HIST_TOP_BITS); v += v / 64 + 1) {
		unsigned b = latency_hist_bucket(v);
		uint64_t top = latency_hist_bucket_top(b);
		assert_true(b >= prev);
		assert_true(b < LATENCY_HIST_BUCKETS);
		assert_true(top >= v);
		assert_true(top - v <= v / 8);
		assert_int_equal(latency_hist_bucket(top), b);
		assert_int_equal(latency_hist_bucket(top + 1),
				 b + 1 < LATENCY_HIST_BUCKETS ? b + 1 : b);
		prev = b;
	}
}

static void test_huge_values_share_the_last_bucket(void **state)
{
	(void)state;
	assert_int_equal(latency_hist_bucket(UINT64_C(1) << LATENCY_HIST_TOP_BITS),
			 LATENCY_HIST_BUCKETS - 1);
	assert_int_equal(latency_hist_bucket(UINT64_MAX), LATENCY_HIST_BUCKETS - 1);
	latency_hist_add(&h, UINT64_MAX - 5);
	/* The last bucket reports the exact max, not its nominal top. */
	assert_true(latency_hist_percentile(&h, 990) == UINT64_MAX - 5);
}

static void test_empty_histogram_reads_zero(void **state)
{
	(void)state;
	static struct latency_hist zeroed; /* as a static one starts */
	assert_int_equal(latency_hist_min(&zeroed), 0);
	assert_int_equal(latency_hist_max(&zeroed), 0);
	assert_int_equal(latency_hist_percentile(&zeroed, 500), 0);
	latency_hist_add(&zeroed, 42);
	assert_int_equal(latency_hist_min(&zeroed), 42); /* not stuck at 0 */
	assert_int_equal(latency_hist_max(&zeroed), 42);
}

static void test_min_max_count_sum_are_exact(void **state)
{
	(void)state;
	uint64_t values[] = { 1000, 7, 123456789, 999, 1000 };
	uint64_t sum = 0;
	for (size_t i = 0; i < 5; i++) {
		latency_hist_add(&h, values[i]);
		sum += values[i];
	}
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum, sum);
	assert_int_equal(latency_hist_min(&h), 7);
	assert_int_equal(latency_hist_max(&h), 123456789);
	assert_int_equal(latency_hist_percentile(&h, 0), 7);
	assert_int_equal(latency_hist_percentile(&h, 1000), 123456789);
}

/* 1..1000 once each: the p-th per mille is the value p, to bucket
 * precision (never below, at most 1/8 above). */
static void test_percentiles_follow_rank(void **state)
{
	(void)state;
	for (uint64_t v = 1000; v >= 1; v--) /* order must not matter */
		latency_hist_add(&h, v);
	unsigned per_mille[] = { 1, 100, 500, 900, 990, 999 };
	for (size_t i = 0; i < 6; i++) {
		uint64_t want = per_mille[i];
		uint64_t got = latency_hist_percentile(&h, per_mille[i]);
		assert_true(got >= want);
		assert_true(got <= want + want / 8);
	}
}

/* A skewed set: 99 fast samples and one slow one. The median is fast,
 * p99 still fast (the 99th sample), the max is the slow one. */
static void test_one_outlier_moves_only_the_max(void **state)
{
	(void)state;
	for (int i = 0; i < 99; i++)
		latency_hist_add(&h, 100);
	latency_hist_add(&h, 1000000);
	/* 100 is in the bucket [96, 104): reported as its top. */
	assert_int_equal(latency_hist_percentile(&h, 500), 103);
	assert_int_equal(latency_hist_percentile(&h, 990), 103);
	assert_int_equal(latency_hist_percentile(&h, 1000), 1000000);
}

static void test_merge_adds_everything(void **state)
{
	(void)state;
	latency_hist_add(&h, 10);
	latency_hist_add(&h, 20);
	latency_hist_add(&g, 5);
	latency_hist_add(&g, 40000);
	latency_hist_merge(&h, &g);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.sum, 40035);
	assert_int_equal(latency_hist_min(&h), 5);
	assert_int_equal(latency_hist_max(&h), 40000);
	latency_hist_reset(&g);
	latency_hist_merge(&h, &g); /* an empty one changes nothing */
	assert_int_equal(h.count, 4);
	assert_int_equal(latency_hist_min(&h), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_small_values_have_a_bucket_each, setup),
		cmocka_unit_test_setup(test_bucket_tops_bound_values_within_an_eighth, setup),
		cmocka_unit_test_setup(test_huge_values_share_the_last_bucket, setup),
		cmocka_unit_test_setup(test_empty_histogram_reads_zero, setup),
		cmocka_unit_test_setup(test_min_max_count_sum_are_exact, setup),
		cmocka_unit_test_setup(test_percentiles_follow_rank, setup),
		cmocka_unit_test_setup(test_one_outlier_moves_only_the_max, setup),
		cmocka_unit_test_setup(test_merge_adds_everything, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
