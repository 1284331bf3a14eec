/*
 * bakeoff_load: the in-guest half of the bake-off's workload
 * (docs/bakeoff.md), the same under each of the three interrupt designs.
 *
 *  - A capsule that sometimes runs long: until the load is finished, one
 *    callback (a deferred call) that computes for BAKEOFF_BURN_MS, then
 *    BAKEOFF_BURN_GAP_MS without. (As many as it takes: the host's keys
 *    and bytes arrive at host pace, so a fixed number could end before
 *    them and measure nothing.) Its
 *    computation comes in units of a fixed instruction sequence; it counts
 *    the units it completed, and bakeoff_load_init() measures one unit's
 *    length (the shortest of several timed runs: under -icount shift=0
 *    the clock counts instructions, so that is the unit's instruction
 *    count). Units times that length is the useful work the load got
 *    done: what interrupt handling takes out of a burn is work not done.
 *    Split (bakeoff_load_split()), each burn is BAKEOFF_BURN_MS callbacks
 *    of BAKEOFF_SLICE_MS, each setting the deferred call for the next.
 *  - Alarms: an alarm flood (capsules/alarm_flood.h) of BAKEOFF_ALARMS
 *    one-shots, delays 1..BAKEOFF_ALARM_MAX_MS, seed BAKEOFF_ALARM_SEED.
 *  - A serial sink (capsules/sink.h) reading raw until BAKEOFF_TERMINATOR,
 *    for the host's serial flood: count and CRC-32 of what arrived.
 * The keys come from the host (QMP) or from the outside world
 * (chips/x86_64/lab/world.h, option `world`), typed into the shell.
 *
 * bakeoff_load_start() waits BAKEOFF_SETTLE_MS (the boot's output drains),
 * then calls the board's started() hook (which zeroes the meters), starts
 * all three and logs "bakeoff: load started ...". Once the flood and the
 * sink are both done, the load is finished and the burns stop: the system
 * then idles and the host can read the figures (board/pc/wire_bakeoff.c
 * exports them).
 */
#ifndef KNOCK_CAPSULES_BAKEOFF_LOAD_H
#define KNOCK_CAPSULES_BAKEOFF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/lab/alarm_flood.h"
#include "capsules/alarm_mux.h"
#include "capsules/console.h"
#include "capsules/lab/sink.h"
#include "kernel/deferred.h"

#define BAKEOFF_SETTLE_MS 200
#define BAKEOFF_BURN_MS 20
#define BAKEOFF_BURN_GAP_MS 80
#define BAKEOFF_ALARMS 200
#define BAKEOFF_ALARM_MAX_MS 6000
#define BAKEOFF_ALARM_SEED 7
#define BAKEOFF_SLICE_MS 1
#define BAKEOFF_UNIT_STEPS 64 /* xorshift steps per unit of the burn */
#define BAKEOFF_TERMINATOR "KNOCK-BAKEOFF-END"

struct bakeoff_load_hooks {
	void *ctx;
	/* The load starts now: zero the meters. */
	void (*started)(void *ctx);
	/* Cycles spent in interrupt handlers that run C, since boot. */
	uint64_t (*interrupt_cycles)(void *ctx);
	/* Around the long callback's computation (not its bookkeeping), or
	 * NULL: the in-ISR design runs it with interrupts on, as a kernel
	 * built around in-ISR drivers runs its long work. */
	void (*long_work)(void *ctx, bool begin);
	/* The load is done now: snapshot the meters (idle time) so that the
	 * figures cover exactly [started, finished]. */
	void (*finished)(void *ctx);
};

struct bakeoff_load {
	struct alarm_mux *mux;
	struct bakeoff_load_hooks hooks;
	struct alarm settle, gap;
	struct deferred_call burn_dc;
	struct alarm_flood flood;
	struct alarm_flood_client flood_client;
	struct sink sink;
	struct sink_client sink_client;
	uint64_t burn_each, gap_each; /* in ticks */
	uint64_t slice_each;          /* 0: one callback per burn; else its slices' length */
	bool external_serial;         /* the sink is fed by bakeoff_load_serial() */
	uint64_t burn_left;           /* of the burn in progress, in slices */

	/* Figures: the host reads these from memory (wire_bakeoff.c). */
	uint64_t started;         /* the clock when the load started; 0 before */
	uint64_t burns;           /* long callbacks run */
	uint64_t burn_cycles;     /* their total length */
	uint64_t burn_irq_cycles; /* ...of which interrupt handlers took */
	uint64_t burn_units;      /* units of computation completed */
	uint64_t unit_cycles;     /* one unit's length, measured at init */
	uint32_t burn_state;      /* the units' result, kept so they are computed */
	uint64_t flood_done;      /* 1 once the alarm flood reported */
	uint64_t sink_done;       /* 1 once the sink saw the terminator */
	uint64_t sink_bytes;      /* what the sink counted... */
	uint64_t sink_crc;        /* ...and its CRC-32 */
	uint64_t finished;        /* the clock when both were done; 0 before */
};

/* Declares the deferred calls (the long callback's, the flood's, the
 * sink's): call before loop_verify(). */
void bakeoff_load_init(struct bakeoff_load *l, struct alarm_mux *mux, struct console *console,
		       const struct bakeoff_load_hooks *hooks);

/* Run each burn as BAKEOFF_BURN_MS callbacks of 1 ms, each setting the
 * deferred call for the next (what a knock capsule should do with long
 * work); call after init. */
void bakeoff_load_split(struct bakeoff_load *l);

/* The serial bytes come from elsewhere than the console (the outside
 * world's COM2): the sink is fed by bakeoff_load_serial(). Call before
 * start. */
void bakeoff_load_external_serial(struct bakeoff_load *l);
/* Bytes of that line, as its driver delivers them (from the loop). */
void bakeoff_load_serial(struct bakeoff_load *l, const uint8_t *bytes, size_t n);

/* Start after BAKEOFF_SETTLE_MS (from the loop). */
void bakeoff_load_start(struct bakeoff_load *l);

#endif
