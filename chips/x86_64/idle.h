/*
 * The race-free halt of the loop's sleep (kernel/loop.c), shared by the
 * product's arch_irq.c and the lab's metered copy of it
 * (chips/x86_64/lab/arch_irq_metered.c), so that both images halt the
 * same way.
 *
 * `sti` takes effect only after the next instruction (Intel SDM vol. 2B,
 * STI: "the processor will not recognize an interrupt until after the
 * instruction following STI"), so an interrupt that became pending while
 * the loop was checking `pending` (interrupts off) is delivered after
 * `hlt` has started and wakes it. With any instruction in between, the
 * interrupt could run there and the CPU would then halt with work
 * pending: a lost wake-up. Keep the two in one asm statement.
 *
 * The watchdog's tick (watchdog_tick.h) only watches a busy CPU: it is
 * masked before the halt, still with interrupts off, so an idle CPU takes
 * no interrupt at all, and unmasked after the wake-up with interrupts off
 * again (no handler may move the IOAPIC's register select between the two
 * stores). The IOAPIC drops an edge that comes while its pin is masked, so
 * no stale tick fires at the wake-up either. While a stall or storm report
 * waits for its "over" (watchdog_idle_tick_wanted) the tick stays on for
 * one more sleep. Only the CPU the tick interrupts masks it: on another
 * CPU it would blind the watchdog while that one works.
 */
#ifndef KNOCK_CHIPS_X86_64_IDLE_H
#define KNOCK_CHIPS_X86_64_IDLE_H

#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/watchdog_tick.h"
#include "kernel/arch.h"
#include "kernel/watchdog.h"

/* The same with the tick on an 8259 instead (arch.c): out of line, since
 * only a PC without a usable IOAPIC takes it. */
__attribute__((cold)) void x86_enable_irq_and_idle_pic_tick(void);

/* This CPU's block, read inline (arch_this_cpu() is a call, and a call
 * here would make the halt's function save registers it then restores on
 * the wake-up path). */
static inline const struct cpu *x86_idle_this_cpu(void)
{
	const struct cpu *c;
	__asm__("mov %%gs:%c1, %0" : "=r"(c) : "i"(__builtin_offsetof(struct cpu, self)));
	return c;
}

static inline __attribute__((always_inline)) void x86_enable_irq_and_idle(void)
{
	const struct ioapic_pin *pin = x86_idle_masked_pin;

	if (__builtin_expect(x86_idle_masked_pic_irq >= 0, 0)) {
		x86_enable_irq_and_idle_pic_tick();
		return;
	}
	if (!pin || x86_idle_this_cpu() != x86_idle_masked_cpu ||
	    __atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED)) {
		__asm__ volatile("sti\n\thlt" ::: "memory");
		return;
	}
	ioapic_pin_set_masked(pin, true);
	/* The unmask after the wake-up is on the path from the interrupt to
	 * its client (make bench: timer_wake_latency), so its operands are
	 * in registers before the halt: four instructions after it. */
	__asm__ volatile("sti\n\t"
			 "hlt\n\t"
			 "cli\n\t"
			 "movl %[reg], (%[regsel])\n\t"
			 "movl %[unmasked], %c[window](%[regsel])\n\t"
			 "sti"
			 :
			 : [regsel] "r"(pin->regsel), [reg] "r"(pin->reg),
			   [unmasked] "r"(pin->unmasked), [window] "i"(IOAPIC_WINDOW_WORD * 4)
			 : "memory");
}

#endif
