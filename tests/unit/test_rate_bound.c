/*
 * kernel/rate_bound.c: the arithmetic of the boot's clock calibration
 * (chips/x86_64/calibration.c). Readings are simulated from known rates,
 * with the whole-tick rounding of real counters and brackets stretched
 * at random, and the bounds must always contain the true rates; with
 * tight brackets they must be as narrow as the counters allow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/rate_bound.h"
#include "tests/unit/xorshift.h"

#define PS_PER_S 1000000000000ull
#define PIT_HZ 1193182u

/* --- deterministic randomness (fixed seed, same on every host) -------- */

static uint64_t rng_state = XORSHIFT_SEED;

static uint64_t rnd_below(uint64_t n)
{
	return xorshift64_below(&rng_state, n);
}

/* --- simulated counters, time in picoseconds --------------------------- */

/* A counter at `hz` whose whole ticks at time 0 are `phase` / 1e12 in. */
struct counter {
	uint64_t hz, phase;
};

static uint64_t ticks_at(struct counter c, uint64_t t_ps)
{
	return (uint64_t)(((unsigned __int128)t_ps * c.hz + c.phase) / PS_PER_S);
}

/* A down-counter from `from`, latched at `t`, between clock reads `early`
 * before and `late` after it. */
static struct counter_reading reading(struct counter down, uint32_t from, struct counter clock,
				      uint64_t t, uint64_t early, uint64_t late)
{
	return (struct counter_reading){
		.count = from - (uint32_t)ticks_at(down, t),
		.before = ticks_at(clock, t - early),
		.after = ticks_at(clock, t + late),
	};
}

/* A stretch of a read: mostly none or a little, sometimes a long stop. */
static uint64_t stretch(void)
{
	switch (rnd_below(4)) {
	case 0:
		return 0;
	case 1:
		return rnd_below(200000); /* up to 0.2 us */
	case 2:
		return rnd_below(20000000); /* up to 20 us */
	default:
		return rnd_below(2000000000); /* up to 2 ms */
	}
}

static void check_contains(struct rate_bound b, uint64_t truth)
{
	if (b.lo > truth || b.hi < truth)
		fail_msg("[%llu, %llu] misses %llu", (unsigned long long)b.lo,
			 (unsigned long long)b.hi, (unsigned long long)truth);
}

/* --- tests ------------------------------------------------------------ */

static void test_bounds_contain_the_true_rates(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct counter tsc = { 100000000 + rnd_below(5000000000ull), rnd_below(PS_PER_S) };
		struct counter pit = { PIT_HZ, rnd_below(PS_PER_S) };
		struct counter lapic = { 10000000 + rnd_below(2000000000ull), rnd_below(PS_PER_S) };
		uint64_t t0 = 3000000000ull + rnd_below(1000000000000ull); /* 3 ms to 1 s */
		uint64_t len = 10000000 + rnd_below(50000000000ull);       /* 10 us to 50 ms */
		uint32_t pit_from = 0xffffu + (uint32_t)ticks_at(pit, t0 - 2000000000ull);
		uint32_t lapic_from = 0xffffffffu;

		struct counter_reading p0 = reading(pit, pit_from, tsc, t0, stretch(), stretch());
		struct counter_reading p1 =
			reading(pit, pit_from, tsc, t0 + len, stretch(), stretch());
		struct rate_bound tsc_rate = rate_of_clock(p0, p1, p0.count - p1.count, PIT_HZ);
		check_contains(tsc_rate, tsc.hz);

		struct counter_reading l0 =
			reading(lapic, lapic_from, tsc, t0, stretch(), stretch());
		struct counter_reading l1 =
			reading(lapic, lapic_from, tsc, t0 + len, stretch(), stretch());
		check_contains(rate_of_counter(l0, l1, l0.count - l1.count, tsc_rate), lapic.hz);
	}
}

/* Tight brackets: the only uncertainty is a step either way of the PIT
 * (about 1/d of half-width) and a tick of the TSC. */
static void test_tight_readings_give_tight_bounds(void **state)
{
	(void)state;
	struct counter tsc = { 2096454187, 0 }, pit = { PIT_HZ, 0 }, lapic = { 1000000000, 0 };
	const uint64_t ms = 1000000000ull;
	struct {
		uint64_t len_ms;
		uint64_t max_ppm;
	} cases[] = { { 1, 850 }, { 2, 425 }, { 7, 125 }, { 10, 85 }, { 50, 17 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t t0 = 5 * ms, t1 = t0 + cases[i].len_ms * ms;
		struct counter_reading p0 = reading(pit, 0xffff + 6000, tsc, t0, 0, 0);
		struct counter_reading p1 = reading(pit, 0xffff + 6000, tsc, t1, 0, 0);
		struct rate_bound r = rate_of_clock(p0, p1, p0.count - p1.count, PIT_HZ);
		check_contains(r, tsc.hz);
		if (rate_bound_ppm(r) > cases[i].max_ppm)
			fail_msg("%llu ms: +-%llu ppm", (unsigned long long)cases[i].len_ms,
				 (unsigned long long)rate_bound_ppm(r));

		/* The LAPIC's bound is the TSC's and a little more. */
		struct counter_reading l0 = reading(lapic, 0xffffffffu, tsc, t0, 0, 0);
		struct counter_reading l1 = reading(lapic, 0xffffffffu, tsc, t1, 0, 0);
		struct rate_bound lr = rate_of_counter(l0, l1, l0.count - l1.count, r);
		check_contains(lr, lapic.hz);
		assert_true(rate_bound_ppm(lr) <= rate_bound_ppm(r) + 2);
	}
}

static void test_too_little_to_go_on_is_unknown(void **state)
{
	(void)state;
	struct counter_reading a = { 100, 1000, 1010 }, b = { 99, 50000, 50010 };
	struct rate_bound r = rate_of_clock(a, b, 1, PIT_HZ); /* one step: no lower bound on time */
	assert_int_equal(r.lo, 0);
	assert_true(r.hi == UINT64_MAX);
	assert_true(rate_bound_ppm(r) == UINT64_MAX);

	/* Readings out of order, or a bracket upside down. */
	r = rate_of_clock(b, a, 50, PIT_HZ);
	assert_true(r.hi == UINT64_MAX);
	struct counter_reading bad = { 50, 60000, 59000 };
	assert_true(rate_of_clock(a, bad, 50, PIT_HZ).hi == UINT64_MAX);

	/* A product past 64 bits is unknown, not wrapped. */
	struct counter_reading far = { 0, UINT64_MAX / 2, UINT64_MAX / 2 + 1 };
	assert_true(rate_of_clock(a, far, 50, PIT_HZ).hi == UINT64_MAX);

	/* The counter's rate needs the clock's. */
	assert_true(rate_of_counter(a, b, 1000, RATE_UNKNOWN).hi == UINT64_MAX);
	assert_true(rate_of_counter(a, b, 1000, (struct rate_bound){ 0, 5 }).hi == UINT64_MAX);
	assert_true(
		rate_of_counter(a, b, 0xffffffffu, (struct rate_bound){ 1, UINT64_MAX / 2 }).hi ==
		UINT64_MAX);
}

static void test_middle_and_ppm(void **state)
{
	(void)state;
	struct rate_bound b = { 999, 1001 };
	assert_int_equal(rate_bound_mid(b), 1000);
	assert_int_equal(rate_bound_ppm(b), 1000);
	b = (struct rate_bound){ 999, 1002 }; /* half-width 1.5, rounded up to 2 */
	assert_int_equal(rate_bound_ppm(b), 2000);
	b = (struct rate_bound){ 2000000000, 2000000000 };
	assert_int_equal(rate_bound_ppm(b), 0);
	assert_true(rate_bound_ppm((struct rate_bound){ 0, 0 }) == UINT64_MAX);
}

static void test_intersect_narrows_and_trusts_the_newer_when_disjoint(void **state)
{
	(void)state;
	struct rate_bound acc = RATE_UNKNOWN;
	rate_bound_intersect(&acc, (struct rate_bound){ 90, 120 });
	rate_bound_intersect(&acc, (struct rate_bound){ 100, 130 });
	assert_int_equal(acc.lo, 100);
	assert_int_equal(acc.hi, 120);
	rate_bound_intersect(&acc, (struct rate_bound){ 200, 210 });
	assert_int_equal(acc.lo, 200);
	assert_int_equal(acc.hi, 210);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_contain_the_true_rates),
		cmocka_unit_test(test_tight_readings_give_tight_bounds),
		cmocka_unit_test(test_too_little_to_go_on_is_unknown),
		cmocka_unit_test(test_middle_and_ppm),
		cmocka_unit_test(test_intersect_narrows_and_trusts_the_newer_when_disjoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
