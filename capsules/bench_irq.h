/*
 * bench_irq: the interrupt figures that knock measures in itself for
 * `make bench` (tools/bench.py boots it with `bench stubs=stamped` under
 * QEMU -icount shift=0,sleep=off, where the TSC counts instructions):
 *
 *   keystroke_instructions  a probe (kernel/probe.h) that the console marks
 *       when a keyboard key's echo is queued; the keys come from outside
 *       (QMP send-key), this capsule only reports the probe.
 *   timer_wake_latency  a probe that the alarm mux marks just before an
 *       alarm's callback; this capsule arms BENCH_IRQ_WAKES one-shot
 *       alarms in a row, each firing while the CPU sleeps.
 *   idle_wakeups_per_s  the loop's wake-ups (struct cpu's `wakeups`, one
 *       per return from `hlt`) over BENCH_IRQ_IDLE_MS of guest time with
 *       no alarm armed but the one that ends the interval. That alarm's
 *       own interrupt is one wake-up, and it is subtracted (the line shows
 *       both numbers); everything else that woke the CPU counts.
 *
 * bench_irq_start() runs settle -> wakes -> idle interval from the loop
 * and then logs
 *
 *   bench: timer_wake_latency min=N median=N max=N samples=N
 *   bench: idle_wakeups_per_s rate=R.RRR wakeups=N own=1 interval_us=N timer_rounds=N
 *
 * The settle alarm comes first so that the boot's serial output has
 * drained (its transmit interrupts would wake an "idle" CPU).
 * bench_irq_report() gives the three lines at any time (the shell's
 * `bench` command).
 */
#ifndef KNOCK_CAPSULES_BENCH_IRQ_H
#define KNOCK_CAPSULES_BENCH_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/probe.h"

#define BENCH_IRQ_SETTLE_MS 200
#define BENCH_IRQ_WAKES 64
#define BENCH_IRQ_WAKE_GAP_MS 1
#define BENCH_IRQ_IDLE_MS 1000

enum bench_irq_phase {
	BENCH_IRQ_NOT_STARTED,
	BENCH_IRQ_SETTLING,
	BENCH_IRQ_WAKING,
	BENCH_IRQ_IDLE,
	BENCH_IRQ_DONE,
};

struct bench_irq {
	struct alarm_mux *mux;
	struct probe *keystroke;  /* reported only */
	struct probe *timer_wake; /* reset when the wakes start */
	struct alarm alarm;
	enum bench_irq_phase phase;
	unsigned wakes_left;

	/* The idle interval. */
	uint64_t idle_start_ticks, idle_start_wakeups, idle_start_rounds;
	uint64_t idle_wakeups;      /* loop wake-ups in the interval, its alarm's included */
	uint64_t idle_timer_rounds; /* alarm mux rounds in it (timer interrupts served) */
	uint64_t idle_interval_us;
};

/* Either probe may be NULL (then its line says it was not measured). */
void bench_irq_init(struct bench_irq *b, struct alarm_mux *mux, struct probe *keystroke,
		    struct probe *timer_wake);
/* Start the timer and idle measurements (from the loop, via alarms). */
void bench_irq_start(struct bench_irq *b);
/* The three figure lines, each without "bench: " and newline. */
void bench_irq_report(const struct bench_irq *b, void (*line)(void *arg, const char *text),
		      void *arg);

#endif
