/*
 * The interrupt design the pc board runs, chosen at boot (docs/bakeoff.md):
 *
 *   design=knock     (default) top halves only set a bit; the loop answers.
 *   design=inisr     the whole driver runs in the interrupt handler, with
 *                    interrupts off; the loop then runs its callbacks with
 *                    interrupts off too, since they share the drivers' state.
 *   design=isrqueue  the handler reads the device's event (a byte, a tick)
 *                    into a bounded queue (kernel/isr_queue.h); the loop
 *                    drains it with interrupts off around each pop; a full
 *                    queue drops the event.
 *   bakeoff          measure (kernel latency per source, interrupts-off
 *                    windows, idle time) and run the bake-off's workload
 *                    (capsules/bakeoff_load.h); `make bench` does this for
 *                    each design (tools/bakeoff.py).
 *
 * The board wires every device as knock's design wants it (wire_*.c,
 * loop_set_client). board_design_wire() then takes each device bit's
 * driver back from the loop (loop_slot_client_fn, loop_slot_ctx) and runs
 * it where the design says: in a C handler on the vector, or behind the
 * queue's drain (loop_replace_client). With design=knock and no bakeoff
 * option it changes nothing. Every device row is taken over or the boot
 * panics: no device is silently left unserviced.
 */
#ifndef KNOCK_BOARD_PC_DESIGN_H
#define KNOCK_BOARD_PC_DESIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "board/pc/interrupts.h"
#include "kernel/latency_hist.h"
#include "kernel/loop.h"

enum board_design {
	BOARD_DESIGN_KNOCK,
	BOARD_DESIGN_INISR,
	BOARD_DESIGN_ISRQUEUE,
};

/* Rows of the interrupt table; their bits are 0 .. BOARD_DEVICES-1. */
enum {
#define BOARD_COUNT_ROW(e, name, vector, bit, isa, cpu) BOARD_ROW_##e,
	BOARD_INTERRUPTS(BOARD_COUNT_ROW)
#undef BOARD_COUNT_ROW
	BOARD_DEVICES
};

extern enum board_design board_design;
extern bool board_bakeoff;

/* Read design= and bakeoff (after board_options_load()). */
void board_design_init(void);
const char *board_design_name(void);

/* After the board's wiring, before loop_verify(): run each device's
 * driver the design's way. A design other than knock, or the bakeoff
 * option, limits knock to the boot CPU (one handler table and one set of
 * measured clients, wired for the boot CPU's devices). */
void board_design_wire(void);

/* Just before the loop: calibrate the slow stubs and read what the
 * devices raised while masked (the ISR-queue design). */
void board_design_prepare(void);
/* The design's loop (the guarded one for inisr), for good. */
_Noreturn void board_design_loop(void);

/* Interrupt entry to service done, per device bit, in cycles (bakeoff
 * only): from the stamped top half's TSC (knock) or the handler's entry
 * (the others) to the moment the driver's work for it returned. */
extern struct latency_hist board_design_latency[BOARD_DEVICES];
void board_design_latency_add(unsigned bit, uint64_t cycles);

/* The ISR-queue design's parts (design_isrqueue.c). */
/* The handler of device `bit`: read its event(s) into the queue. */
void design_isrqueue_read(unsigned bit, uint64_t entry);
/* The loop client of every device bit: drain the queue. */
void design_isrqueue_drain(void *ctx);
struct isr_queue;
extern struct isr_queue design_isrqueue;

#endif
