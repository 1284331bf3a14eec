/*
 * The arch interface of kernel/arch.h for x86_64: the only way kernel/
 * touches the processor.
 */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/irq_off_meter.h"
#include "chips/x86_64/reset.h"
#include "chips/x86_64/watchdog_tick.h"
#include "kernel/watchdog.h"

/*
 * The bake-off's meter (irq_off_meter.h) times the windows between these.
 * Off, it costs one test each: its calls are out of line and return on
 * their own, so the plain paths need no stack frame.
 */
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

const struct ioapic_pin *x86_idle_masked_pin;
const struct cpu *x86_idle_masked_cpu;

/*
 * `sti` takes effect only after the next instruction, so an interrupt that
 * became pending while the loop was checking `pending` (interrupts off) is
 * delivered after `hlt` has started and wakes it. With any instruction in
 * between, the interrupt could run there and the CPU would then halt with
 * work pending: a lost wake-up. Keep the two in one asm statement.
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
static inline __attribute__((always_inline)) void enable_irq_and_idle(void)
{
	const struct ioapic_pin *pin = x86_idle_masked_pin;

	if (!pin || arch_this_cpu() != x86_idle_masked_cpu ||
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

/* The meter notes the sleep before the halt; nothing is added after the
 * `hlt`, on the way from the wake-up interrupt to its client (make bench:
 * timer_wake_latency, keystroke_instructions). */
static __attribute__((noinline, cold)) void enable_irq_and_idle_metered(void)
{
	irq_off_meter_sleep();
	enable_irq_and_idle();
}

void arch_enable_irq_and_idle(void)
{
	if (__builtin_expect(irq_off_meter.on, 0)) {
		enable_irq_and_idle_metered();
		return;
	}
	enable_irq_and_idle();
}

bool arch_irq_enabled(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags) : : "memory");
	return flags & RFLAGS_IF;
}

/* The `sti; hlt` pair of enable_irq_and_idle(), without the watchdog's
 * masking (see arch.h). The interrupts-off meter is boot-CPU only and a
 * lock parks only with several CPUs, but a sleep is noted all the same. */
void arch_enable_irq_and_halt(void)
{
	if (__builtin_expect(irq_off_meter.on, 0))
		irq_off_meter_sleep();
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

void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* arch_cpu() is in percpu.c, arch_wake_cpu() in smp.c. */
