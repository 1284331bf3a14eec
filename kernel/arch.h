/*
 * The arch interface: the only way kernel/ reaches the processor.
 *
 * The chip (chips/x86_64/arch.c) implements these; host unit tests provide
 * fakes. kernel/ never includes a chips/ header, so nothing here may mention
 * x86: no ports, no registers, no instructions.
 */
#ifndef KNOCK_KERNEL_ARCH_H
#define KNOCK_KERNEL_ARCH_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Interrupts on this CPU. */
void arch_irq_enable(void);
void arch_irq_disable(void);
/* Whether they are on (the interrupt flag). */
bool arch_irq_enabled(void);

/* Interrupts off for a few steps no handler on this CPU may come between,
 * and back as they were: `bool on = arch_irq_save(); ...;
 * arch_irq_restore(on);`. */
static inline bool arch_irq_save(void)
{
	bool on = arch_irq_enabled();
	arch_irq_disable();
	return on;
}

static inline void arch_irq_restore(bool on)
{
	if (on)
		arch_irq_enable();
}

/*
 * Enable interrupts and halt in one indivisible step: an interrupt that
 * arrives after the caller's last check of `pending` (made with interrupts
 * off) wakes the halt instead of being missed. Returns with interrupts on,
 * after at least one interrupt has been taken.
 */
void arch_enable_irq_and_idle(void);

/*
 * The same indivisible `sti; hlt`, for a waiter parked in a lock
 * (kernel/ticketlock.c) rather than the idle loop: none of the idle
 * bookkeeping. In particular the stall watchdog's tick stays on, since a
 * CPU parked in a lock is inside a callback the watchdog must still see.
 * Returns with interrupts on, after at least one interrupt.
 */
void arch_enable_irq_and_halt(void);

/* Stop every other CPU for good, whatever it is doing (x86: an NMI, whose
 * handler finds panic_in_progress() and halts): used by the first panic,
 * so that one report is printed whole while nothing else runs. Returns
 * once the NMIs are sent; each stopped CPU calls panic_enter(), which
 * counts it. Nothing is sent if no other CPU was ever started. */
void arch_stop_other_cpus(void);

/* Halt this CPU for good with interrupts off. Used by panic. */
_Noreturn void arch_halt_forever(void);

/* Reset the machine (panic=reboot). Falls back to halting if it cannot. */
_Noreturn void arch_reboot(void);

/* This CPU's block (struct cpu in kernel/cpu.h), reached through the
 * per-CPU base register. */
struct cpu *arch_this_cpu(void);

/* This CPU's id, callable at any time, even from a panic before the
 * per-CPU blocks are set up (then 0: only the boot CPU runs). */
unsigned arch_this_cpu_id_safe(void);

/* A free-running cycle counter. Under QEMU -icount shift=0 it counts guest
 * instructions, which is what the benchmarks rely on. */
uint64_t arch_cycles(void);

/* SMP (docs/smp.md). */

/* A hint inside a spin-wait loop (x86 `pause`): it saves power and lets a
 * sibling hyperthread, or under QEMU another vCPU, make progress. */
void arch_cpu_relax(void);

/* CPU `id`'s block (0 = the boot CPU), or NULL if no CPU has that id. The
 * caller checks its state (enum cpu_state) before knocking on it. */
struct cpu *arch_cpu(unsigned id);

/* Send `cpu` the wake-up IPI, whose top half only acknowledges it: the
 * caller has already set the pending bit, and the interrupt is there only
 * to end a `hlt`. Never called for the calling CPU itself. Retries if the
 * interrupt controller stays busy; false if it never took the IPI (the
 * target may sleep on: the caller reports it). */
bool arch_wake_cpu(const struct cpu *cpu);

#endif
