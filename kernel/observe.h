/*
 * Observation of the loop: per-bit service latency, the longest callback
 * of each loop, and the trace (kernel/trace.h).
 *
 * The counters that are always on (rounds, sleeps, wake-ups, services per
 * bit in struct cpu; sets per deferred call) cost the loop one increment
 * per callback. Everything here costs nothing while it is off: turning it
 * on routes every client through a small per-bit function
 * (loop_set_route), which reads the cycle counter around the callback,
 * adds the latency to the bit's histogram and records trace events; off
 * puts the clients back in the loop's table.
 *
 * Latency is "bit taken by the loop to callback done": from the start of
 * the round's first callback (a few instructions after the round took its
 * bits; the loop itself keeps no timestamp, so that it pays nothing) to the
 * moment the bit's own callback returns. It includes the callbacks of the
 * lower bits that ran before it in the same round: that wait is part of
 * the latency a source sees.
 */
#ifndef KNOCK_KERNEL_OBSERVE_H
#define KNOCK_KERNEL_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "latency_hist.h"
#include "trace.h"

#define OBSERVE_MAX_CPUS TRACE_MAX_CPUS
/* Bits that can have a latency histogram (the first to be timed get one). */
#define OBSERVE_HISTS 32

/* Per loop (per CPU). */
struct observe_loop {
	uint64_t round;       /* the cpu->rounds value whose round is under way */
	uint64_t round_start; /* cycle count when that round's first callback began */
	uint64_t callbacks;   /* callbacks timed */
	uint64_t longest;     /* longest callback, in cycles */
	unsigned longest_bit; /* ...and whose bit it was */
	bool have_longest;
};

/* Service latency per bit, and the longest callback per loop. */
void observe_set_timing(bool on);
bool observe_timing_is_on(void);

/* The trace (same as trace_set_on, plus routing the loop through here). */
void observe_set_trace(bool on);

/* All CPUs' latencies of `bit`, in cycles (an empty histogram for a bit
 * never timed; NULL for a bit out of range). */
const struct latency_hist *observe_latency(unsigned bit);
/* Callbacks that could not be timed: more than OBSERVE_HISTS bits ran. */
uint64_t observe_untimed(void);
/* The loop of CPU `id`, or NULL. */
const struct observe_loop *observe_loop(unsigned cpu_id);
/* Empty the histograms and forget the longest callbacks (and the round
 * under way: the next callback starts one). */
void observe_reset(void);

#endif
