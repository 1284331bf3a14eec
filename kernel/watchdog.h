/*
 * The stall watchdog and the interrupt-storm detector.
 *
 * A periodic tick (the board chooses the source: the PIT on the pc board)
 * interrupts whatever the CPU is doing and calls watchdog_tick() with the
 * interrupted pc and frame pointer. The tick is masked while the CPU
 * sleeps, so an idle CPU still takes no interrupt at all.
 *
 * Stalls. The loop stores the bit it is about to call in cpu->running
 * (one store per dispatch: the only cost on the hot path). A dispatch is
 * identified by (cpu->rounds, cpu->sleeps, cpu->running): each round has a
 * new `rounds`, each bit runs once per round, and a sleep in between
 * changes `sleeps`. A tick that sees the same identity as the tick before
 * is looking at the same callback, still running; once the first tick that
 * saw it is `limit` or more in the past, the callback has run at least that
 * long. The report names the capsule (the slot's client), the bits waiting
 * meanwhile and the backtrace of the interrupted callback; it is printed
 * from the tick itself (the loop is stuck, so nothing else can), once per
 * stall, or it panics (watchdog=panic). When the callback finally returns,
 * the loop logs how long it ran (at least).
 *
 * Measured this way the loop keeps no timestamp: a stall is seen between
 * `limit` and `limit` + one tick period after it began.
 *
 * Every CPU. The tick interrupts one CPU, the tick CPU (the boot CPU on
 * the pc board). On each tick it pokes every other online CPU that is
 * awake (its loop's idle mark down), or that waits for an "over" report,
 * with an IPI whose handler calls watchdog_tick() there, with that CPU's
 * own interrupted pc: each CPU checks itself with the same rules. The
 * tick CPU keeps its tick through a sleep while any other CPU is awake,
 * and a CPU that wakes while the tick CPU sleeps with the tick masked
 * wakes it (kernel/ticker.h), so a stall on any CPU is seen
 * whatever the others do. Only the log's CPU may print outside a panic,
 * so another CPU's stall report (its backtrace walked there, at its tick)
 * is printed by the tick CPU at its next tick, a tick later.
 *
 * Storms. Every `storm window` of awake time, the tick compares each
 * interrupt slot's service count (cpu->serviced[]) with the one at the
 * window's start. A source serviced more than `storm_per_s` times a second
 * across a whole window in which the CPU never slept is interrupting
 * faster than the loop drains it: it is reported (name, bit, rate) once
 * when the storm begins and once when it ends, from the loop, through the
 * watchdog's deferred call. Each bit still runs once per round, so the
 * other sources keep their turn meanwhile.
 */
#ifndef KNOCK_KERNEL_WATCHDOG_H
#define KNOCK_KERNEL_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

#define WATCHDOG_DEFAULT_LIMIT_MS 1000u
#define WATCHDOG_MAX_LIMIT_MS 3600000u /* an hour */
#define WATCHDOG_DEFAULT_STORM_PER_S 20000u
#define WATCHDOG_MAX_STORM_PER_S 100000000u
/* Storm rates are measured over windows at least this long. */
#define WATCHDOG_STORM_WINDOW_MS 250u

struct watchdog_options {
	uint32_t limit_ms;    /* a callback may run this long; 0: no stall check */
	bool panic;           /* a stall panics instead of warning */
	uint32_t storm_per_s; /* services per second that make a storm; 0: off */
};

/* The defaults: 1 s limit, warn, storms above 20000 services/s. */
void watchdog_default_options(struct watchdog_options *opt);

/*
 * Parse the value of `watchdog=`: words joined by ':' in any order, each
 * "panic", "warn", "off" (no stall check) or a limit in milliseconds
 * (1..WATCHDOG_MAX_LIMIT_MS): "panic", "500", "500:panic". Changes only
 * what the value names. Returns false, leaving *opt alone, for anything
 * else.
 */
bool watchdog_parse_option(const char *value, struct watchdog_options *opt);

/* The value of `storm=`: "off" or services per second (1..max). */
bool watchdog_parse_storm_option(const char *value, struct watchdog_options *opt);

/* The options in words, as the board's boot line and the shell's
 * `watchdog` say them: "stalls over 1000 ms warn; storms over 20000/s",
 * either half "off". ksnprintf's result. */
int watchdog_options_describe(const struct watchdog_options *opt, char *buf, size_t size);

/*
 * Set up, on the boot CPU, before loop_verify(): declares the watchdog's
 * deferred call (its loop-side reports). `cycles_per_s` is the rate of
 * arch_cycles(), the clock the tick passes in.
 */
void watchdog_init(const struct watchdog_options *opt, uint64_t cycles_per_s);

/* Where the tick interrupted the CPU, for the backtrace. */
struct watchdog_where {
	uintptr_t pc; /* the interrupted instruction */
	uintptr_t fp; /* the frame pointer then */
	/* The interrupted function's return address when its own frame is
	 * not set up (see panic_backtrace_from), else 0. */
	uintptr_t caller;
};

/* From the tick's interrupt handler on `cpu`, with interrupts off; `now`
 * is arch_cycles(). */
void watchdog_tick(struct cpu *cpu, uint64_t now, const struct watchdog_where *where);

/*
 * True while a report waits for one more tick: a stall or a storm that has
 * not been seen to end. The arch's idle path leaves the tick source
 * unmasked through a sleep while it is set, so that the next tick (and
 * the "over" report) comes even if the CPU goes idle right after; it is
 * clear again at that tick, so this costs one wake-up per stall or storm.
 */
extern uint64_t watchdog_idle_tick_wanted; /* bit i: CPU i wants it */

/*
 * The board: the CPU the tick interrupts, and how it pokes another CPU
 * (an IPI whose handler calls watchdog_tick() on that CPU). Without a
 * poke the watchdog watches the tick CPU only.
 */
void watchdog_set_tick_cpu(unsigned id, void (*poke)(unsigned cpu_id));

struct watchdog_stats {
	uint64_t ticks;       /* ticks taken, all CPUs (pokes included) */
	uint64_t pokes;       /* ticks passed on to other CPUs */
	uint64_t stalls;      /* stalls reported */
	uint64_t storms;      /* storms reported (their beginnings) */
	uint64_t events_lost; /* loop-side reports dropped: the queue was full */
};

void watchdog_get_stats(struct watchdog_stats *out);
const struct watchdog_options *watchdog_options(void);

/* Forget all state (host tests). */
void watchdog_reset_for_test(void);

#endif
