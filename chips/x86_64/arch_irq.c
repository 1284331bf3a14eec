/*
 * Interrupt enable, disable and the loop's race-free sleep: the part of
 * the arch interface (kernel/arch.h) that the loop and the locks call on
 * every round. Plain instructions, nothing else.
 *
 * The lab image links chips/x86_64/lab/arch_irq_metered.c in place of
 * this file (the bake-off's interrupts-off meter times every window; see
 * docs/lab.md): the product pays nothing for it, not even a test.
 *
 * Spec: Intel SDM vol. 2B, STI ("interrupts are recognised after the
 * instruction that follows STI") and HLT; vol. 3A 6.8.3 (masking maskable
 * interrupts).
 */
#include "chips/x86_64/idle.h"
#include "kernel/arch.h"

void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

void arch_enable_irq_and_idle(void)
{
	x86_enable_irq_and_idle();
}
