/*
 * The trace: per CPU, a fixed-size ring of timestamped loop events.
 *
 * What records into it is kernel/observe.c, and only while `trace on`:
 * the loop's dispatch reaches clients through observe's routes then, and
 * its sleep path calls observe's sleep observer. With the trace (and
 * timing) off, neither is installed, so the loop runs exactly the code it
 * runs without a trace: off costs nothing.
 *
 * Each CPU writes only its own ring (no lock, no atomic: one CPU, in loop
 * context). The ring keeps the newest TRACE_RING_EVENTS events; `head`
 * counts every event ever recorded, so a reader knows how many were
 * overwritten. Readers (the trace dump) pause recording first
 * (trace_pause), so the ring holds still while it is read.
 *
 * Timestamps are the CPU's cycle counter (arch_cycles(): the TSC).
 * The text form of these events (`trace dump`) is documented in
 * docs/observing.md and read by tools/trace2json.py.
 */
#ifndef KNOCK_KERNEL_TRACE_H
#define KNOCK_KERNEL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

/* 16 KiB per CPU. The rings are not in the image, which must fit its
 * first 2 MiB (boot/linker.ld): 64 CPUs' would be 1 MiB. The board lends
 * them at boot (trace_set_rings()), one per CPU it may start. */
#define TRACE_RING_EVENTS 1024 /* a power of two */

/* The letters are the event's code in the text dump. */
enum trace_kind {
	TRACE_ROUND = 'R', /* a round's first callback is about to run; arg: round number */
	TRACE_BEGIN = 'B', /* bit's callback starts; arg: cycles since its round began */
	TRACE_END = 'E',   /* bit's callback returned */
	TRACE_SET = 'S',   /* deferred call `bit` was set by the callback of bit `arg` */
	TRACE_KNOCK = 'K', /* interrupt `bit` knocked while the callback of bit `arg` ran */
	/* What the ring holds for both of those: `bit` became pending while the
	 * callback of bit `arg` ran. Which of the two it was depends only on
	 * the bit, so the dump tells them apart (trace_fresh_kind), and
	 * recording needs no look-up. */
	TRACE_FRESH = 'F',
	TRACE_IRQ = 'I',    /* bit's callback starts arg cycles after its interrupt's entry
			    * (timestamped top halves only) */
	TRACE_EVENTS = 'D', /* bit's callback handled arg device events (bytes, deadlines) */
	TRACE_SLEEP = 'H',  /* the loop halts: nothing pending */
	TRACE_WAKE = 'W',   /* the loop came back from the halt */
};

struct trace_event {
	uint64_t tsc;
	uint8_t kind; /* enum trace_kind */
	uint8_t bit;
	uint16_t reserved;
	uint32_t arg;
};

struct trace_ring {
	uint64_t head; /* events ever recorded; the newest is head - 1 */
	struct trace_event events[TRACE_RING_EVENTS];
};

/* On and not paused: what trace_record() and observe_note_events() test
 * (read it, never write it). */
extern bool trace_recording;
/* The rings, one per CPU id below trace_ring_count (read them through
 * trace_ring()). */
extern struct trace_ring *trace_rings;
extern unsigned trace_ring_count;

/* Record one event in `cpu`'s ring (only while trace_is_on() and not
 * paused; a CPU without a ring is not traced). Inline: a few
 * instructions, on the observed dispatch path. */
static inline void trace_record(const struct cpu *cpu, enum trace_kind kind, unsigned bit,
				uint32_t arg, uint64_t tsc)
{
	if (!trace_recording || cpu->id >= trace_ring_count)
		return;
	struct trace_ring *r = &trace_rings[cpu->id];
	struct trace_event *e = &r->events[r->head++ & (TRACE_RING_EVENTS - 1)];
	e->tsc = tsc;
	e->kind = (uint8_t)kind;
	e->bit = (uint8_t)bit;
	e->reserved = 0;
	e->arg = arg;
}

/* The rings of CPUs 0 .. count - 1, lent for good (emptied here). Before
 * this, and for CPUs beyond them, nothing is recorded. Not while the
 * trace is on. */
void trace_set_rings(struct trace_ring *rings, unsigned count);

/* TRACE_SET or TRACE_KNOCK for a TRACE_FRESH event of `bit`. */
enum trace_kind trace_fresh_kind(unsigned bit);

/* Start or stop recording. Turning it on empties every ring. */
void trace_set_on(bool on);
bool trace_is_on(void);
/* While paused (a dump reads the rings), events are not recorded. */
void trace_pause(bool paused);

/* The ring of CPU `id`, or NULL. */
const struct trace_ring *trace_ring(unsigned cpu_id);
/* Events held (at most TRACE_RING_EVENTS) and the sequence number of the
 * oldest held one; event `seq` is events[seq % TRACE_RING_EVENTS]. */
uint64_t trace_held(const struct trace_ring *r);
uint64_t trace_oldest(const struct trace_ring *r);

/* Empty every ring (host tests, `trace on`). */
void trace_clear(void);

#endif
