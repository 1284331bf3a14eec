/*
 * bench_deferred: measures a deferred call from deferred_call_set() to its
 * client running, in cycles (guest instructions under QEMU -icount
 * shift=0). It re-arms itself BENCH_DEFERRED_SAMPLES times, so the figure
 * is the steady-state loop, then prints one line for tools/bench.py:
 *
 *   bench: deferred_call_instructions min=N median=N max=N samples=N overhead=N
 *
 * `overhead` (the cost of reading the clock itself) is already subtracted.
 */
#ifndef KNOCK_CAPSULES_BENCH_DEFERRED_H
#define KNOCK_CAPSULES_BENCH_DEFERRED_H

#include <stdint.h>

#include "kernel/deferred.h"

#define BENCH_DEFERRED_SAMPLES 64

/* One per board (its deferred call and start time are the .c file's). */
struct bench_deferred {
	uint64_t overhead;
	unsigned count;
	uint64_t samples[BENCH_DEFERRED_SAMPLES];
};

void bench_deferred_init(struct bench_deferred *b);
void bench_deferred_start(struct bench_deferred *b);

#endif
