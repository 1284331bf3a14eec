/*
 * The lab's copy of chips/x86_64/arch_irq.c (docs/lab.md: the lab image
 * links this file instead of that one): the same instructions, plus the
 * bake-off's interrupts-off meter (irq_off_meter.h) timing the windows
 * between them while it is on. Off, it costs one test each: the meter's
 * calls are out of line and return on their own, so the plain paths need
 * no stack frame.
 *
 * Spec: Intel SDM vol. 2B, STI and HLT (see chips/x86_64/idle.h).
 */
#include "chips/x86_64/idle.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "kernel/arch.h"

static __attribute__((noinline, cold)) void irq_enable_metered(void)
{
	irq_off_meter_end();
	__asm__ volatile("sti" ::: "memory");
}

void arch_irq_enable(void)
{
	if (__builtin_expect(irq_off_meter.on, 0)) {
		irq_enable_metered();
		return;
	}
	__asm__ volatile("sti" ::: "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
	if (__builtin_expect(irq_off_meter.on, 0))
		irq_off_meter_begin();
}

/* The meter notes the sleep before the halt; nothing is added after the
 * `hlt`, on the way from the wake-up interrupt to its client. */
static __attribute__((noinline, cold)) void enable_irq_and_idle_metered(void)
{
	irq_off_meter_sleep();
	x86_enable_irq_and_idle();
}

void arch_enable_irq_and_idle(void)
{
	if (__builtin_expect(irq_off_meter.on, 0)) {
		enable_irq_and_idle_metered();
		return;
	}
	x86_enable_irq_and_idle();
}
