/*
 * The arch interface of kernel/arch.h for x86_64: the only way kernel/
 * touches the processor.
 *
 * Spec: Intel SDM vol. 2 (RDTSC, PAUSE, HLT, CLI), vol. 3A 3.4.4 (the GS
 * base of a segment in 64-bit mode).
 */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/reset.h"

_Noreturn void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli\n\thlt" ::: "memory");
}

_Noreturn void arch_reboot(void)
{
	x86_reset();
}

/* GS base points at this CPU's struct cpu, whose `self` field holds its
 * own address: one load, no MSR read. */
struct cpu *arch_this_cpu(void)
{
	struct cpu *c;
	__asm__("mov %%gs:%c1, %0" : "=r"(c) : "i"(__builtin_offsetof(struct cpu, self)));
	return c;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* arch_irq_enable(), arch_irq_disable() and arch_enable_irq_and_idle() are
 * in arch_irq.c (the lab image replaces that file: docs/lab.md); arch_cpu()
 * is in percpu.c, arch_wake_cpu() in smp.c. */
