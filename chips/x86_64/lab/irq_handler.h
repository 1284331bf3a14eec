/*
 * C interrupt handlers on the slow stubs: the other two designs of the
 * bake-off (docs/bakeoff.md), never knock's.
 *
 * knock's device vectors run generated top halves that only set a bit.
 * The in-ISR and ISR-queue designs instead run C in the handler: the
 * vector goes back to its slow stub (isr_stubs.asm: saves every register,
 * calls trap_dispatch), and trap_dispatch hands it, through
 * trap_set_handler(), to the function set here, then the handler writes the LAPIC EOI. The handler runs with
 * interrupts off (interrupt gate) and outside handler_depth: it plays the
 * part of the loop's driver code, not of an exception report.
 *
 * Each run is timed for the interrupts-off meter (irq_off_meter.h): the
 * handler reads the TSC on entry to C and before it returns; the stub's
 * own instructions before and after (register saves, the call, the
 * restores, iretq) are measured once at start-up by irq_handler_calibrate()
 * with a software interrupt, and added.
 */
#ifndef KNOCK_CHIPS_IRQ_HANDLER_H
#define KNOCK_CHIPS_IRQ_HANDLER_H

#include <stdbool.h>
#include <stdint.h>

/* `since`: the TSC when the interrupt arrived, as far as the CPU can
 * tell: its entry (the C entry's reading minus the calibrated stub
 * instructions), or, when it was held pending while interrupts were off
 * (with the meter on), the start of that stretch (see irq_handler.c). */
typedef void (*irq_handler_fn)(void *ctx, uint64_t since);

/* Instructions (TSC ticks under icount) of the slow stub path outside
 * the timed C part: from the vector's entry to C, and from C's last clock
 * read to iretq. 0 until calibrated. */
struct irq_handler_costs {
	uint64_t entry;
	uint64_t exit;
};
extern struct irq_handler_costs irq_handler_costs;

/* Vector irq_handler_calibrate() borrows for its software interrupt (and
 * gives back): no device or IPI may use it. */
#define IRQ_HANDLER_CALIBRATION_VECTOR 0xee

/* Run fn(ctx, entry) on `vector`, then EOI: points the vector's IDT gate
 * at its slow stub. */
void irq_handler_set(unsigned vector, irq_handler_fn fn, void *ctx);

/* Run `vector`'s C handler, timed; false if it has none (irq_handler_set
 * makes trap_dispatch call it). */
bool irq_handler_run(uint64_t vector);

/* Measure irq_handler_costs with `int IRQ_HANDLER_CALIBRATION_VECTOR`. */
void irq_handler_calibrate(void);

/* Interrupts handled in C since boot, and the TSC ticks they took (stub
 * included), for the bake-off's accounting. */
extern uint64_t irq_handler_count;
extern uint64_t irq_handler_ticks;

#endif
