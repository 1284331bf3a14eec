/*
 * The arch interface of kernel/arch.h for x86_64: the only way kernel/
 * touches the processor.
 */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/reset.h"

void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/*
 * `sti` takes effect only after the next instruction, so an interrupt that
 * became pending while the loop was checking `pending` (interrupts off) is
 * delivered after `hlt` has started and wakes it. With any instruction in
 * between, the interrupt could run there and the CPU would then halt with
 * work pending: a lost wake-up. Keep the two in one asm statement.
 */
void arch_enable_irq_and_idle(void)
{
	__asm__ volatile("sti\n\thlt" ::: "memory");
}

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
