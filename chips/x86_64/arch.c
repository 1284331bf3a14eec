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
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/reset.h"
#include "chips/x86_64/watchdog_tick.h"
#include "kernel/ticker.h"
#include "kernel/watchdog.h"

/* What the loop's sleep masks around its halt (chips/x86_64/idle.h): the
 * watchdog tick's IOAPIC pin, or its 8259 IRQ, on the tick's CPU. */
const struct ioapic_pin *x86_idle_masked_pin;
const struct cpu *x86_idle_masked_cpu;
int x86_idle_masked_pic_irq = -1;

bool x86_idle_tick_stays_on(struct cpu *cpu, const struct ioapic_pin *pin)
{
	ioapic_pin_set_masked(pin, true);
	ticker_flag_raise(cpu);
	if (!ticker_others_awake(cpu))
		return false;
	ioapic_pin_set_masked(pin, false);
	ticker_flag_lower(cpu);
	return true;
}

/* The sleep with the tick on an 8259 (no usable IOAPIC: pic8259.h): its
 * IRQ masked at the 8259 around the halt, a port write each way. The
 * 8259 latches an edge that comes while masked, so after a long sleep the
 * tick fires once right after the wake-up: on a busy CPU, where the
 * watchdog expects it. */
void x86_enable_irq_and_idle_pic_tick(void)
{
	unsigned irq = (unsigned)x86_idle_masked_pic_irq;

	if (arch_this_cpu() != x86_idle_masked_cpu ||
	    __atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED)) {
		__asm__ volatile("sti\n\thlt" ::: "memory");
		return;
	}
	pic_set_masked(irq, true);
	__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
	pic_set_masked(irq, false);
	__asm__ volatile("sti" ::: "memory");
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

void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* arch_irq_enable(), arch_irq_disable() and arch_enable_irq_and_idle() are
 * in arch_irq.c (the lab image replaces that file: docs/lab.md); arch_cpu()
 * is in percpu.c, arch_wake_cpu() in smp.c. */
