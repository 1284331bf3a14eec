/*
 * stats: what the loop did, per pending bit and per loop, as the shell's
 * `stats` table (docs/observing.md explains how to read it).
 *
 * Per interrupt source and per deferred call (one row per declared bit):
 *   raised     events, counted where they happen: for a device, by its
 *              driver (struct stats_source below); for a deferred call,
 *              the times it was set (struct deferred_call.sets)
 *   serviced   times the loop called the bit's client (struct
 *              cpu.serviced, summed over the CPUs)
 *   coalesced  raised - serviced: events that shared a service with
 *              another (several bytes per interrupt, several sets before
 *              the loop came round). A bit pending right now counts here
 *              until its service. 0 when serviced > raised (a service that
 *              found nothing, such as the one the board makes at start-up).
 *   dropped    events lost inside knock (the board says where it counts
 *              them: a full input queue, a UART overrun). Must stay 0.
 *              "unknown" for a source that cannot see all its losses.
 * and, while timing is on (kernel/observe.h), the service latency "bit
 * taken by the loop to callback done": count, exact min and max, median
 * and p99 to 1/8 (kernel/latency_hist.h), in cycles and microseconds.
 *
 * Per loop (CPU): rounds, sleeps, wake-ups, and the longest callback with
 * the capsule that ran it.
 *
 * Every counter is exact: it counts every event, none is sampled.
 * `stats reset` does not touch anyone's counters: it remembers their
 * values and shows differences from then on (and empties the latency
 * histograms, which belong to observe).
 */
#ifndef KNOCK_CAPSULES_STATS_H
#define KNOCK_CAPSULES_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cpu.h"
#include "kernel/loop.h"
#include "kernel/observe.h"
#include "kernel/pending.h"

/*
 * The one table of interrupt sources, which feeds both `irqs` and
 * `stats`. The board fills it once: per source its bit, its name and a
 * function that reads its driver's counters (the top halves count
 * nothing: they are three instructions). Each counter means the same
 * everywhere:
 *   raised    events the device delivered, counted by its driver where
 *             they enter knock (a byte the controller handed over, an
 *             alarm deadline that passed). Each could have raised the
 *             interrupt; several may share one.
 *   serviced  times the loop called the source's client: the loop's own
 *             count (struct cpu.serviced, summed over the CPUs), not the
 *             driver's, so it means the same for every source and every
 *             deferred call.
 *   drained   of the raised events, those the source's capsule took and
 *             passed on (bytes decoded, bytes received, alarms run).
 *   dropped   events lost inside knock after they were raised (a full
 *             input queue, a UART overrun): must stay 0.
 *   unit      what raised, drained and dropped count.
 * A source that cannot see all its losses (bytes lost upstream of the
 * controller, before they were ever raised) sets dropped_unknown: the
 * tables then show its count followed by "+?" ("0+?": none lost inside
 * knock, an unknown number before it), never a bare count that claims too
 * much.
 */
struct stats_source_counts {
	uint64_t raised;
	uint64_t drained;
	uint64_t dropped;
	bool dropped_unknown;
	const char *unit;
};

struct stats_source {
	unsigned bit;
	const char *name; /* `irqs`' row: "timer", "keyboard", "com1" */
	void (*read)(void *ctx, struct stats_source_counts *out);
	void *ctx;
};

/* What the board tells the stats. */
struct stats_board {
	const struct stats_source *sources;
	unsigned source_count;
	/* The loops: cpu(0), cpu(1), ... until NULL. */
	struct cpu *(*cpu)(void *ctx, unsigned index);
	void *cpu_ctx;
	uint64_t cycles_per_second; /* of clock_cycles(), for microseconds */
	/* Which device top halves run ("plain", "timestamped"), or NULL. */
	const char *(*stubs)(void);
};

/* One row of the counts table. */
struct stats_row {
	unsigned bit;
	enum loop_slot_kind kind;
	const char *name;   /* source, or the deferred call's owner */
	const char *client; /* the capsule the loop calls */
	const char *unit;
	bool have_raised; /* an interrupt source the board gave no counter for: false */
	bool dropped_unknown;
	uint64_t raised, serviced, coalesced, dropped;
};

struct stats {
	struct stats_board board;
	/* Values at the last reset; shown numbers are differences. */
	uint64_t base_raised[PENDING_BITS];
	uint64_t base_serviced[PENDING_BITS];
	uint64_t base_dropped[PENDING_BITS];
	uint64_t base_rounds[OBSERVE_MAX_CPUS];
	uint64_t base_sleeps[OBSERVE_MAX_CPUS];
	uint64_t base_wakeups[OBSERVE_MAX_CPUS];
	uint64_t base_cycles;
	bool was_reset;
};

/* `board` is copied. */
void stats_init(struct stats *s, const struct stats_board *board);
/* Start counting from now (see above). */
void stats_reset(struct stats *s);
/* The row of `bit`; false for a bit that is not declared. */
bool stats_row(const struct stats *s, unsigned bit, struct stats_row *out);

/* Write the whole table, one line (with its '\n') per call of out(). */
typedef void (*stats_out_fn)(void *ctx, const char *line);
void stats_print(const struct stats *s, stats_out_fn out, void *ctx);

/* `irqs`: per interrupt source of the table, raised, serviced and drained
 * since boot (stats reset does not touch it), then per source each CPU's
 * count: services on the CPU that runs the capsule, hand-overs on a CPU
 * the interrupt is routed to that hands it over ("cpu1 5 (to cpu0)"), one
 * line per call of out(). */
void stats_print_irqs(const struct stats *s, stats_out_fn out, void *ctx);

/* "12.345" microseconds for `cycles` at `hz` (3 decimals); for tables.
 * Returns buf. */
char *stats_format_us(char *buf, unsigned size, uint64_t cycles, uint64_t hz);

#endif
