/*
 * busy: runs deliberately long callbacks, to see what a slow capsule does
 * to everyone else (the shell's `busy <ms> [times [gap_ms]]`).
 *
 * Each burn is ONE callback of the busy capsule's deferred call that spins
 * on the clock for `ms` milliseconds: the loop can run nothing else
 * meanwhile, so interrupts only knock and their bits wait. That is the
 * worst case docs/architecture.md talks about ("the worst-case wake latency is the
 * longest callback"); the stats show it as the longest callback, and the
 * floods show that waiting loses nothing. `times` burns are spaced by
 * `gap_ms` through an alarm, so the rest of the system runs in between.
 * It runs in the background: the shell answers at once.
 */
#ifndef KNOCK_CAPSULES_BUSY_H
#define KNOCK_CAPSULES_BUSY_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/deferred.h"

/* Past the stall watchdog's default limit (1 s, kernel/watchdog.h): its
 * test runs `busy 3000`. */
#define BUSY_MAX_MS 10000u
#define BUSY_MAX_TIMES 1000000u

struct busy_status {
	bool running;
	uint64_t ms, gap_ms;
	uint64_t left;         /* burns still to come */
	uint64_t burns;        /* burns done since boot */
	uint64_t longest_us;   /* longest burn, measured */
	uint64_t lines_logged; /* by logging burns */
};

struct busy {
	struct alarm_mux *mux;
	struct alarm gap;
	struct deferred_call dc;
	uint64_t burn_ticks, gap_ticks;
	bool logging; /* the burns write log lines (busy_start_logging()) */
	bool may_log; /* the boot CPU's: the only one that logs */
	struct busy_status st;
};

/* Declares the deferred call. */
void busy_init(struct busy *b, struct alarm_mux *mux);
/* The same capsule on another CPU (`on 3 busy 3000`), from that CPU
 * before it goes online: its own burns on its own loop and alarm mux, on
 * the boot CPU's busy's bit. */
void busy_init_on_cpu(struct busy *b, struct alarm_mux *mux, const struct busy *boot);
/* Start `times` burns of `ms` ms, `gap_ms` apart (replacing any under
 * way). Returns 0, or -1 for ms or times out of range (1..BUSY_MAX_MS,
 * 1..BUSY_MAX_TIMES). */
int busy_start(struct busy *b, uint64_t ms, uint64_t times, uint64_t gap_ms);
/* The same, each burn writing log lines back to back the whole time (the
 * watchdog's report then lands inside a line being written: the log's
 * re-entrancy guard, kernel/log.h). The boot CPU's busy only: -1 on
 * another CPU, which may not log. */
int busy_start_logging(struct busy *b, uint64_t ms, uint64_t times, uint64_t gap_ms);
/* No more burns after the one running (if any). */
void busy_stop(struct busy *b);
void busy_get_status(const struct busy *b, struct busy_status *out);

#endif
