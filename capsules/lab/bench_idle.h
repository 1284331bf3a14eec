/*
 * bench_idle: the idle figure of `make bench` that knock measures in
 * itself (the lab image, boot option `bench`):
 *
 *   idle_wakeups_per_s  the loop's wake-ups (struct cpu's `wakeups`, one
 *       per return from `hlt`) over BENCH_IDLE_MS of guest time with no
 *       alarm armed but the one that ends the interval. That alarm's own
 *       interrupt is one wake-up, and it is subtracted (the line shows
 *       both numbers); everything else that woke the CPU counts.
 *
 * A settle alarm comes first so that the boot's serial output has drained
 * (its transmit interrupts would wake an "idle" CPU). When the interval
 * is over the capsule logs
 *
 *   bench: idle_wakeups_per_s rate=R.RRR wakeups=N own=1 interval_us=N timer_rounds=N
 *
 * The hot-path figures (deferred call, timer wake, keystroke) are not
 * measured in the guest any more: tools/count_path.py counts them on the
 * product image from outside, by single-stepping it (docs/testing.md).
 */
#ifndef KNOCK_CAPSULES_LAB_BENCH_IDLE_H
#define KNOCK_CAPSULES_LAB_BENCH_IDLE_H

#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"

#define BENCH_IDLE_SETTLE_MS 200
#define BENCH_IDLE_MS 1000

enum bench_idle_phase {
	BENCH_IDLE_NOT_STARTED,
	BENCH_IDLE_SETTLING,
	BENCH_IDLE_MEASURING,
	BENCH_IDLE_DONE,
};

struct bench_idle {
	struct alarm_mux *mux;
	struct alarm alarm;
	enum bench_idle_phase phase;
	uint64_t start_ticks, start_wakeups, start_rounds;
	uint64_t wakeups;      /* loop wake-ups in the interval, its alarm's included */
	uint64_t timer_rounds; /* alarm mux rounds in it (timer interrupts served) */
	uint64_t interval_us;
};

void bench_idle_init(struct bench_idle *b, struct alarm_mux *mux);
/* Start the measurement (from the loop, via alarms). */
void bench_idle_start(struct bench_idle *b);
/* The figure line, without "bench: " and newline, at any time. */
int bench_idle_format(const struct bench_idle *b, char *buf, size_t cap);

#endif
