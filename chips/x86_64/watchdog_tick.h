/*
 * The stall watchdog's tick on x86_64 (kernel/watchdog.h has the logic).
 *
 * Why the PIT: the LAPIC timer is the alarm mux's (one-shot, always the
 * nearest deadline) and TCG has no performance counters for an NMI
 * watchdog. Why a maskable interrupt is enough: capsules cannot turn
 * interrupts off (no asm, no kernel/arch.h), so a callback that does not
 * return is always interruptible; the kernel's own interrupts-off stretches
 * (top halves, the sleep check, exception reports) are a few instructions
 * each. docs/verification.md has the whole argument.
 *
 * PIT channel 0 as a rate generator at its slowest (every 54.9 ms) drives
 * ISA IRQ 0, which the board routes through the IOAPIC to a vector of the
 * highest priority class (0xf0: a storm of device interrupts cannot keep
 * it waiting). That vector keeps its slow stub, so the handler gets the
 * trap frame: the interrupted rip and rbp for the backtrace.
 *
 * The tick is masked at the IOAPIC around every sleep (arch.c), so an idle
 * CPU takes no interrupt at all: it only ever interrupts a busy CPU.
 */
#ifndef KNOCK_CHIPS_WATCHDOG_TICK_H
#define KNOCK_CHIPS_WATCHDOG_TICK_H

#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/ioapic.h"
#include "kernel/cpu.h"

/* Start the tick: `gsi` is already routed (masked) to `vector` on this
 * CPU. Installs the handler, hands the pin to the idle path, starts PIT
 * channel 0 and unmasks. Returns false if no IOAPIC serves the GSI. */
bool x86_watchdog_tick_start(uint8_t vector, uint32_t gsi);

/* Every other CPU's check: `vector` is the IPI the tick CPU sends each
 * awake CPU on its tick (x86_watchdog_poke(), given to
 * watchdog_set_tick_cpu()), taken by the tick's handler there. Before
 * any other CPU starts. */
void x86_watchdog_poke_start(uint8_t vector);
void x86_watchdog_poke(unsigned cpu_id);
/* The tick's pin unmasked, from any CPU (kernel/ticker.h). */
void x86_watchdog_tick_unmask(void);

/* The same on an 8259 (when no IOAPIC is usable, pic8259.h): ISA IRQ
 * `irq` arrives at `vector` (the 8259's base + irq); installs the handler,
 * hands the IRQ to the idle path, starts PIT channel 0 and unmasks it at
 * the 8259. */
void x86_watchdog_tick_start_pic(uint8_t vector, unsigned irq);

/* Set by x86_watchdog_tick_start(): the pin arch_enable_irq_and_idle()
 * masks while the CPU sleeps (NULL: nothing to mask), and the CPU that
 * does it (the one the tick interrupts). */
extern const struct ioapic_pin *x86_idle_masked_pin;
extern const struct cpu *x86_idle_masked_cpu;
/* Set by x86_watchdog_tick_start_pic(): the 8259 IRQ the idle path masks
 * instead, -1 for none. */
extern int x86_idle_masked_pic_irq;

#endif
