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
 * the latency a source sees. With the timestamped top halves
 * (stubs=stamped), a device bit's latency is measured from the interrupt's
 * entry instead, exactly (from the last one's, when several came before
 * the service).
 */
#ifndef KNOCK_KERNEL_OBSERVE_H
#define KNOCK_KERNEL_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "latency_hist.h"
#include "trace.h"

#define OBSERVE_MAX_CPUS CPU_MAX
/* Bits that can have a latency histogram (the first to be timed get one). */
#define OBSERVE_HISTS 32

/* Per loop (per CPU). */
struct observe_loop {
	uint64_t round;       /* the round under way: cpu->rounds + 1 */
	uint64_t round_start; /* cycle count when that round's first callback began */
	uint64_t callbacks;   /* callbacks timed */
	uint64_t longest;     /* longest callback, in cycles */
	unsigned longest_bit; /* ...and whose bit it was */
	bool have_longest;
	unsigned current_bit; /* the bit whose callback runs, while in_callback */
	bool in_callback;
	uint64_t last_stamp[CPU_IRQ_STAMPS]; /* irq_stamp values already used */
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
/* A driver tells the trace how many device events (bytes, deadlines) the
 * callback running now handled: one TRACE_EVENTS event, only while the
 * trace is on (a flag test otherwise). This is how coalescing shows in a
 * trace: one knock, one service, n events. */
void observe_note_events_now(uint32_t n);
static inline void observe_note_events(uint32_t n)
{
	if (__builtin_expect(trace_recording, 0)) /* off: a test and a branch */
		observe_note_events_now(n);
}

/* Empty the histograms and forget the longest callbacks. */
void observe_reset(void);
/* Also forget each loop's round (host tests: their fake CPU's round count
 * starts again at 0 in every test; the kernel never calls it). */
void observe_reset_for_test(void);

#endif
