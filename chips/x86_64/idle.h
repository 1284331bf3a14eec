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
 * one more sleep. Only the CPU the tick interrupts masks it, and only
 * while every other CPU sleeps too: the tick watches them all (it is
 * passed on to each awake CPU, kernel/watchdog.h). Another CPU, once
 * awake, wakes the tick's CPU if that one sleeps with the tick masked.
 */
#ifndef KNOCK_CHIPS_X86_64_IDLE_H
#define KNOCK_CHIPS_X86_64_IDLE_H

#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/watchdog_tick.h"
#include "kernel/arch.h"
#include "kernel/ticker.h"
#include "kernel/watchdog.h"

/* The same with the tick on an 8259 instead (arch.c): out of line, since
 * only a PC without a usable IOAPIC takes it. */
__attribute__((cold)) void x86_enable_irq_and_idle_pic_tick(void);

/* The tick's CPU, before its halt: the tick masked, the flag up, then
 * the other CPUs' idle marks (a full barrier between: a CPU that wakes
 * after this look sees the flag and unmasks the tick, kernel/ticker.h).
 * True, with the tick unmasked and the flag down again, if another CPU is
 * awake: the tick stays on. Out of line, so that nothing the halt's
 * wake-up path needs lives across the call. */
__attribute__((noinline)) bool x86_idle_tick_stays_on(struct cpu *cpu,
						      const struct ioapic_pin *pin);

/* This CPU's block, read inline (arch_this_cpu() is a call, and a call
 * here would make the halt's function save registers it then restores on
 * the wake-up path). */
static inline struct cpu *x86_idle_this_cpu(void)
{
	struct cpu *c;
	__asm__("mov %%gs:%c1, %0" : "=r"(c) : "i"(__builtin_offsetof(struct cpu, self)));
	return c;
}

/*
 * Calls the compiler does not see, each with its own frame record: the
 * halt's function then calls nothing as far as GCC knows and sets up no
 * frame, so its wake-up paths end in a bare `ret` (timer_wake_latency and
 * ipi_wake_instructions would count a `pop %rbp`). The record pushed here
 * is the one the function's prologue would have made: the caller's %rbp
 * under the return address, which is at the top of the stack since a
 * frameless leaf pushes nothing (check `objdump -d` of
 * arch_enable_irq_and_idle after a change: no push but these), so a
 * backtrace from inside the callee still names the loop. The push keeps
 * the stack 16-byte aligned at the call, as the ABI wants.
 */
#define X86_IDLE_CALL_ASM      \
	"push %%rbp\n\t"       \
	"mov %%rsp, %%rbp\n\t" \
	"call %P[fn]\n\t"      \
	"pop %%rbp"
#define X86_IDLE_CALL_CLOBBERS "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc"

/* x86_enable_irq_and_idle_pic_tick() */
static inline __attribute__((always_inline)) void x86_idle_call_pic_tick(void)
{
	__asm__ volatile(X86_IDLE_CALL_ASM
			 :
			 : [fn] "i"(x86_enable_irq_and_idle_pic_tick)
			 : "rax", "rdi", "rsi", X86_IDLE_CALL_CLOBBERS);
}

/* ticker_wake(cpu) */
static inline __attribute__((always_inline)) void x86_idle_call_ticker_wake(const struct cpu *cpu)
{
	__asm__ volatile(X86_IDLE_CALL_ASM
			 : "+D"(cpu)
			 : [fn] "i"(ticker_wake)
			 : "rax", "rsi", X86_IDLE_CALL_CLOBBERS);
}

/* x86_idle_tick_stays_on(cpu, pin) */
static inline __attribute__((always_inline)) bool
x86_idle_call_tick_stays_on(struct cpu *cpu, const struct ioapic_pin *pin)
{
	bool on;

	__asm__ volatile(X86_IDLE_CALL_ASM
			 : "=a"(on), "+D"(cpu), "+S"(pin)
			 : [fn] "i"(x86_idle_tick_stays_on)
			 : X86_IDLE_CALL_CLOBBERS);
	return on;
}

/* ticker_note_awake() with its rare call hidden as above, and the flag
 * tested in memory (`testb`: one load fewer than an atomic load and a
 * test; an aligned byte read is atomic, and the `xchg` before it is a
 * full barrier). */
static inline __attribute__((always_inline)) void x86_idle_note_awake(struct cpu *cpu)
{
	bool up;

	__atomic_store_n(&cpu->idle, 0, __ATOMIC_SEQ_CST);
	__asm__ volatile("testb %[bit], %[flag]"
			 : "=@ccnz"(up)
			 : [flag] "m"(*(const uint8_t *)ticker_flag), [bit] "i"(TICKER_ASLEEP));
	if (__builtin_expect(up, 0))
		x86_idle_call_ticker_wake(cpu);
}

static inline __attribute__((always_inline)) void x86_enable_irq_and_idle(void)
{
	const struct ioapic_pin *pin;
	struct cpu *cpu;

	if (__builtin_expect(x86_idle_masked_pic_irq >= 0, 0)) {
		x86_idle_call_pic_tick();
		return;
	}
	cpu = x86_idle_this_cpu();
	if (cpu != x86_idle_masked_cpu) {
		/* Not the tick's CPU: awake again, it makes sure the tick is
		 * on (kernel/ticker.h). */
		__asm__ volatile("sti\n\thlt" ::: "memory");
		x86_idle_note_awake(cpu);
		return;
	}
	/* The tick watches every CPU: it stays on while another one is
	 * awake. */
	pin = x86_idle_masked_pin;
	if (!pin || __atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED) ||
	    x86_idle_call_tick_stays_on(cpu, pin)) {
		__asm__ volatile("sti\n\thlt" ::: "memory");
		return;
	}
	pin = x86_idle_masked_pin;
	/* The unmask after the wake-up is on the path from the interrupt to
	 * its client (make bench: timer_wake_latency), so its operands are
	 * in registers before the halt: four instructions after it. The
	 * ticker's flag goes down with the loop's idle mark, whose word it
	 * shares (kernel/ticker.h): one store after the halt, the loop's. */
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
