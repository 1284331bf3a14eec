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
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idle.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"

bool irq_idle_spins;

/*
 * The idle wait of irq_idle_spins (irq_off_meter.h): interrupts on, the
 * CPU polling until an interrupt gave the loop work (a pending bit) or
 * ended the meter's sleep (a C handler's entry), then back to the loop as
 * from a halt. The watchdog's tick is masked around it as around a halt
 * (idle.h), so the designs see the same interrupts either way.
 */
static void idle_spin(void)
{
	const struct ioapic_pin *pin = x86_idle_masked_pin;
	struct cpu *c = arch_this_cpu();
	bool mask = x86_idle_masked_pic_irq < 0 && pin && c == x86_idle_masked_cpu &&
		    !__atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED);

	if (mask)
		ioapic_pin_set_masked(pin, true);
	__asm__ volatile("sti" ::: "memory");
	while (!__atomic_load_n(&c->pending, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&irq_off_meter.idle_since, __ATOMIC_RELAXED))
		;
	if (mask) {
		__asm__ volatile("cli" ::: "memory");
		ioapic_pin_set_masked(pin, false);
		__asm__ volatile("sti" ::: "memory");
	}
}

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

/* A window begins only where interrupts were on: a disable inside an
 * interrupt handler (a C handler of the in-ISR design that reaches an
 * arch_irq_save(), such as the IOAPIC's register pairs) is inside
 * the handler's own window, which the stubs time, and no enable in the
 * handler would end it: the `iretq` turns interrupts on. All in this
 * one function: the returns after the meter's clock read are counted in
 * the window, and a helper's would add two. */
void arch_irq_disable(void)
{
	if (__builtin_expect(irq_off_meter.on, 0)) {
		bool was_on = read_rflags() & RFLAGS_IF;
		__asm__ volatile("cli" ::: "memory");
		if (was_on)
			irq_off_meter_begin();
		return;
	}
	__asm__ volatile("cli" ::: "memory");
}

/* The meter notes the sleep before the halt; nothing is added after the
 * `hlt`, on the way from the wake-up interrupt to its client. */
static __attribute__((noinline, cold)) void enable_irq_and_idle_metered(void)
{
	irq_off_meter_sleep();
	if (irq_idle_spins)
		idle_spin();
	else
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

bool arch_irq_enabled(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags) : : "memory");
	return flags & RFLAGS_IF;
}

/* A parked lock waiter's halt: the meter is boot-CPU only and a lock parks
 * only with several CPUs, but a sleep is noted all the same. */
void arch_enable_irq_and_halt(void)
{
	if (__builtin_expect(irq_off_meter.on, 0))
		irq_off_meter_sleep();
	__asm__ volatile("sti\n\thlt" ::: "memory");
}
