/*
 * A clock's rate and what is known of it: the truth is in [lo, hi], in
 * ticks per second. The boot's calibration of the TSC and the LAPIC timer
 * against the PIT (chips/x86_64/calibration.c) is made of these: each
 * pair of readings bounds a rate, the bounds of several pairs are
 * intersected, and the middle is the figure. Portable arithmetic, apart
 * from the port and MMIO reads, so the host unit tests check it.
 *
 * A reading is a down-counter's value read between two reads of the
 * clock being measured against (on the pc board always the TSC): the
 * counter was latched at some moment inside [before, after]. Between two
 * readings a counter that steps once per period stepped `d` times, so
 * more than d-1 and fewer than d+1 of its periods passed (the first step
 * may come right after the first reading, the next one right after the
 * second), and the clock ticked between second.before - first.after and
 * second.after - first.before times, give or take the one tick a clock
 * read rounds away. Everything that could stretch a read
 * (an SMI, the host's scheduler under an emulator) widens these bounds;
 * nothing moves the truth out of them.
 */
#ifndef KNOCK_KERNEL_RATE_BOUND_H
#define KNOCK_KERNEL_RATE_BOUND_H

#include <stdint.h>

struct rate_bound {
	uint64_t lo, hi;
};

#define RATE_UNKNOWN ((struct rate_bound){ 0, UINT64_MAX })

struct counter_reading {
	uint32_t count;         /* the counter's value (it counts down) */
	uint64_t before, after; /* the clock just before and just after it was taken */
};

uint64_t rate_bound_mid(struct rate_bound b);
/* The half-width of `b` in parts per million of its middle, rounded up;
 * UINT64_MAX when nothing is known. */
uint64_t rate_bound_ppm(struct rate_bound b);
/* Narrow `acc` to what `more` also says. Disjoint bounds cannot both be
 * true; then `more` is trusted (the newer measurement). */
void rate_bound_intersect(struct rate_bound *acc, struct rate_bound more);

/* The clock's rate from two readings of a reference counter that steps
 * at `ref_hz`, `steps` times between them. RATE_UNKNOWN for fewer than 2
 * steps, readings out of order, or a product that would not fit. */
struct rate_bound rate_of_clock(struct counter_reading a, struct counter_reading b, uint32_t steps,
				uint64_t ref_hz);

/* The counter's rate from two readings, given the clock's rate bounds
 * `clock`: its steps (+-1) over the clock time between the readings. */
struct rate_bound rate_of_counter(struct counter_reading a, struct counter_reading b,
				  uint32_t steps, struct rate_bound clock);

#endif
