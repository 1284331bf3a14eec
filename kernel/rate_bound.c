/* Rate bounds (rate_bound.h). Products are checked: a bound whose
 * arithmetic would overflow is RATE_UNKNOWN, never a wrapped number. */
#include <stdbool.h>

#include "kernel/rate_bound.h"

uint64_t rate_bound_mid(struct rate_bound b)
{
	return b.lo + (b.hi - b.lo) / 2;
}

uint64_t rate_bound_ppm(struct rate_bound b)
{
	uint64_t mid = rate_bound_mid(b);
	uint64_t half = (b.hi - b.lo) / 2 + ((b.hi - b.lo) & 1);
	if (mid == 0 || half > UINT64_MAX / 1000000)
		return UINT64_MAX;
	return (half * 1000000 + mid - 1) / mid;
}

void rate_bound_intersect(struct rate_bound *acc, struct rate_bound more)
{
	acc->lo = more.lo > acc->lo ? more.lo : acc->lo;
	acc->hi = more.hi < acc->hi ? more.hi : acc->hi;
	if (acc->lo > acc->hi)
		*acc = more;
}

/* a * b / c rounded down (up: round_up), false if a * b does not fit. */
static bool mul_div(uint64_t a, uint64_t b, uint64_t c, bool round_up, uint64_t *out)
{
	uint64_t p;
	if (c == 0 || __builtin_mul_overflow(a, b, &p))
		return false;
	*out = p / c + (round_up && p % c != 0);
	return true;
}

/* The clock's ticks between the two latch moments: (*min, *max), open.
 * A clock read gives the whole ticks so far, so the ticks between two
 * moments, a real number, are within one of the difference of the whole
 * ticks at them, which is in [b.before - a.after, b.after - a.before]. */
static bool clock_span(struct counter_reading a, struct counter_reading b, uint64_t *min,
		       uint64_t *max)
{
	if (a.after < a.before || b.after < b.before || b.before < a.after ||
	    b.after - a.before == UINT64_MAX)
		return false;
	*min = b.before - a.after;
	*min = *min > 0 ? *min - 1 : 0;
	*max = b.after - a.before + 1;
	return *min > 0;
}

struct rate_bound rate_of_clock(struct counter_reading a, struct counter_reading b, uint32_t steps,
				uint64_t ref_hz)
{
	uint64_t min, max;
	struct rate_bound r;
	/* Between steps - 1 and steps + 1 reference periods passed. */
	if (steps < 2 || !clock_span(a, b, &min, &max) ||
	    !mul_div(min, ref_hz, (uint64_t)steps + 1, false, &r.lo) ||
	    !mul_div(max, ref_hz, steps - 1, true, &r.hi))
		return RATE_UNKNOWN;
	return r;
}

struct rate_bound rate_of_counter(struct counter_reading a, struct counter_reading b,
				  uint32_t steps, struct rate_bound clock)
{
	uint64_t min, max;
	struct rate_bound r;
	/* steps +- 1 counter ticks in [min, max] clock ticks, which took
	 * between min / clock.hi and max / clock.lo seconds. */
	if (steps < 2 || clock.lo == 0 || clock.hi == UINT64_MAX || !clock_span(a, b, &min, &max) ||
	    !mul_div(steps - 1, clock.lo, max, false, &r.lo) ||
	    !mul_div((uint64_t)steps + 1, clock.hi, min, true, &r.hi))
		return RATE_UNKNOWN;
	return r;
}
