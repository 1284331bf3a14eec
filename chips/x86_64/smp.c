/*
 * AP start-up (smp.h) and the wake-up IPI (arch_wake_cpu() of
 * kernel/arch.h).
 *
 * One AP at a time: the boot CPU writes the trampoline's mailbox (stack
 * top, CPU id), sends INIT-STARTUP-STARTUP and waits for the AP to come
 * online before the next. So one mailbox and one trampoline copy serve
 * every AP, and an AP's set-up never races another's.
 *
 * Spec: Intel MultiProcessor Specification 1.4, appendix B.4 (the INIT-SIPI-
 * SIPI sequence and its delays); Intel SDM vol. 3A 8.4.4 (MP initialisation)
 * and 11.6 (issuing IPIs).
 */
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/paging.h"
#include "chips/x86_64/percpu.h"
#include "chips/x86_64/smp.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/string.h"

/* boot/ap_trampoline.asm's mailbox: keep the two in step. */
struct ap_mailbox {
	uint64_t stack_top;
	uint32_t cpu;
	uint8_t started;
};
_Static_assert(offsetof(struct ap_mailbox, cpu) == 8 && offsetof(struct ap_mailbox, started) == 12,
	       "struct ap_mailbox does not match boot/ap_trampoline.asm");

#define GUARD_BYTES 4096u

/* Guard page first, the stack above it: an overflow runs into the guard
 * page, and the double fault (on its own IST stack) reports it. In .bss,
 * inside the first 8 MiB, where the early page tables use 4 KiB pages. */
struct ap_stack {
	uint8_t guard[GUARD_BYTES];
	uint8_t stack[SMP_AP_STACK_BYTES];
} __attribute__((aligned(4096)));

static struct ap_stack ap_stacks[MAX_CPUS - 1]; /* CPU id i uses [i - 1] */

extern char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_mailbox[];
extern char wakeup_ipi_entry[], wakeup_ipi_x2apic_entry[];

static uint64_t tsc_hz;
static uint8_t wakeup_vector;
static void (*ap_main)(unsigned cpu);
uint64_t smp_wake_send_failures;
uint64_t smp_wake_send_retries;
/* Set before the first INIT: a panic then stops the other CPUs. */
static bool others_started;

/* Linker symbols of one object: their distance as integers (as pointers
 * into "different objects", C would not define it). */
static uintptr_t trampoline_offset(const char *label)
{
	return (uintptr_t)label - (uintptr_t)ap_trampoline_start;
}

static volatile struct ap_mailbox *mailbox(void)
{
	return (volatile struct ap_mailbox *)(SMP_TRAMPOLINE_BASE +
					      trampoline_offset(ap_trampoline_mailbox));
}

/* 64-bit arithmetic is enough: the waits here are seconds at most, and
 * seconds times GHz, or cycles times 10^6, stay far below 2^64. */
static uint64_t us_to_tsc(uint64_t us)
{
	return us * tsc_hz / 1000000;
}

static uint64_t tsc_to_us(uint64_t ticks)
{
	return ticks / (tsc_hz / 1000000 ? tsc_hz / 1000000 : 1);
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us_to_tsc(us);
	while ((int64_t)(rdtsc() - end) < 0)
		__asm__ volatile("pause");
}

static bool ap_started(unsigned id)
{
	(void)id;
	return mailbox()->started != 0;
}

static bool ap_online(unsigned id)
{
	return __atomic_load_n(&cpu_blocks[id].state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
}

/* Poll `done` until it holds or `us` pass (TSC). */
static bool wait_until(bool (*done)(unsigned), unsigned id, uint64_t us)
{
	uint64_t end = rdtsc() + us_to_tsc(us);
	while (!done(id)) {
		if ((int64_t)(rdtsc() - end) >= 0)
			return done(id);
		__asm__ volatile("pause");
	}
	return true;
}

enum ap_result {
	AP_ONLINE,
	AP_IPI_STUCK,  /* our ICR never went idle */
	AP_NO_ANSWER,  /* never ran the trampoline */
	AP_NOT_ONLINE, /* ran it, but never reached its loop */
};

static enum ap_result start_ap(unsigned id, uint32_t apic_id)
{
	volatile struct ap_mailbox *mb = mailbox();
	const uint8_t page = SMP_TRAMPOLINE_BASE / SMP_TRAMPOLINE_PAGE_BYTES;

	mb->stack_top = (uintptr_t)&ap_stacks[id - 1].stack[SMP_AP_STACK_BYTES];
	mb->cpu = id;
	mb->started = 0;
	/* The mailbox is ordinary write-back memory, the ICR uncached MMIO:
	 * x86 keeps stores in order, so the AP sees the mailbox. Keep the
	 * compiler from moving them too. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);

	if (!lapic_send_init(apic_id))
		return AP_IPI_STUCK;
	delay_us(SMP_INIT_DELAY_US);
	if (!lapic_send_startup(apic_id, page))
		return AP_IPI_STUCK;
	delay_us(SMP_STARTUP_DELAY_US);
	if (!ap_started(id)) {
		/* The first STARTUP can be lost; a second one is ignored by a
		 * CPU that already runs, but we only send it when it does not. */
		if (!lapic_send_startup(apic_id, page))
			return AP_IPI_STUCK;
		delay_us(SMP_STARTUP_DELAY_US);
	}
	if (!wait_until(ap_started, id, SMP_STARTED_TIMEOUT_US))
		return AP_NO_ANSWER;
	if (!wait_until(ap_online, id, SMP_ONLINE_TIMEOUT_US))
		return AP_NOT_ONLINE;
	return AP_ONLINE;
}

static void copy_trampoline(void)
{
	size_t size = trampoline_offset(ap_trampoline_end);
	if (size > SMP_TRAMPOLINE_PAGE_BYTES)
		panic("smp: the AP trampoline is %zu bytes, more than its page", size);
	memcpy((void *)(uintptr_t)SMP_TRAMPOLINE_BASE, ap_trampoline_start, size);
}

unsigned smp_start_aps(const struct smp_config *cfg)
{
	unsigned online = 1;
	/* One line per CPU would fill the console's ring before the loop
	 * runs to send it (64 CPUs): each CPU at debug level, a summary. */
	uint64_t slowest_us = 0;
	unsigned slowest_id = 0;
	uint32_t slowest_apic = 0;

	cpu_blocks[0].hw_id = lapic_id();
	tsc_hz = cfg->tsc_hz ? cfg->tsc_hz : 1000000000ull;
	wakeup_vector = cfg->wakeup_vector;
	ap_main = cfg->ap_main;
	idt_set_gate(wakeup_vector,
		     (uintptr_t)(lapic_x2apic() ? wakeup_ipi_x2apic_entry : wakeup_ipi_entry), 0);
	if (cfg->count == 0)
		return online;
	/* From now on another CPU may run: a panic must stop it. */
	__atomic_store_n(&others_started, true, __ATOMIC_RELEASE);

	copy_trampoline();
	for (unsigned i = 0; i < cfg->count; i++) {
		uint32_t apic_id = cfg->apic_ids[i];
		if (!lapic_can_reach(apic_id)) {
			log_warn("smp: APIC id %u needs x2APIC mode, which this boot does not use; "
				 "not started",
				 apic_id);
			continue;
		}
		unsigned id = x86_cpu_assign(apic_id);
		if (id >= MAX_CPUS) {
			log_warn("smp: no CPU id left for APIC id %u (knock supports %u CPUs)",
				 apic_id, MAX_CPUS);
			break;
		}
		struct ap_stack *s = &ap_stacks[id - 1];
		paging_unmap_4k((uintptr_t)s->guard);
		panic_add_stack((uintptr_t)s->stack, (uintptr_t)&s->stack[SMP_AP_STACK_BYTES]);

		uint64_t t0 = rdtsc();
		enum ap_result r = start_ap(id, apic_id);
		uint64_t us = tsc_to_us(rdtsc() - t0);
		if (r == AP_ONLINE) {
			online++;
			log_debug("smp: cpu %u (APIC id %u) online after %llu.%03llu ms", id,
				  apic_id, (unsigned long long)(us / 1000),
				  (unsigned long long)(us % 1000));
			if (us >= slowest_us) {
				slowest_us = us;
				slowest_id = id;
				slowest_apic = apic_id;
			}
			continue;
		}
		__atomic_store_n(&cpu_blocks[id].state, CPU_FAILED, __ATOMIC_RELEASE);
		if (r == AP_IPI_STUCK) {
			log_warn("smp: cpu %u (APIC id %u): this CPU's interrupt command register "
				 "stayed busy; not started",
				 id, apic_id);
		} else if (r == AP_NO_ANSWER) {
			/* Back to waiting for a STARTUP, so that it cannot wake
			 * up late and take the next CPU's mailbox. */
			lapic_send_init(apic_id);
			log_warn("smp: cpu %u (APIC id %u) did not answer INIT-SIPI-SIPI within "
				 "%llu ms; going on without it",
				 id, apic_id, (unsigned long long)(us / 1000));
		} else {
			/* It may still be on its way through the trampoline, on
			 * the mailbox's stack: starting another would share it. */
			log_warn("smp: cpu %u (APIC id %u) started but did not come online within "
				 "%llu ms; starting no more CPUs",
				 id, apic_id, (unsigned long long)(us / 1000));
			break;
		}
	}
	if (online > 1)
		log_info(
			"smp: %u cpu%s started; the slowest, cpu %u (APIC id %u), was online after "
			"%llu.%03llu ms",
			online - 1, online == 2 ? "" : "s", slowest_id, slowest_apic,
			(unsigned long long)(slowest_us / 1000),
			(unsigned long long)(slowest_us % 1000));
	return online;
}

_Noreturn void smp_ap_entry(void);

/* The trampoline's jump target, on the AP's own stack. */
_Noreturn void smp_ap_entry(void)
{
	unsigned id = mailbox()->cpu;

	x86_ap_cpu_init(id);
	ap_main(id);
	panic("smp: cpu %u: its main function returned", id);
}

void smp_ap_online(void)
{
	__atomic_store_n(&arch_this_cpu()->state, CPU_ONLINE, __ATOMIC_RELEASE);
}

/* The NMI's handler (exception.c) finds the panic in progress and halts
 * for good (panic_enter()). Before any other CPU was started the LAPIC's
 * ICR may not even be mapped: nothing to stop, nothing sent. */
void arch_stop_other_cpus(void)
{
	if (!__atomic_load_n(&others_started, __ATOMIC_ACQUIRE))
		return;
	/* One NMI per online CPU, not the all-but-self shorthand: a CPU still
	 * in the real-mode trampoline has no IDT to take it with. */
	unsigned me = arch_this_cpu_id_safe();
	for (unsigned id = 0; id < CPU_MAX; id++) {
		const struct cpu *c = arch_cpu(id);
		if (c && id != me && __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			lapic_send_nmi(c->hw_id);
	}
}

/* Each try waits up to ICR_IDLE_POLLS reads of the ICR (lapic.c) for the
 * last IPI to leave. A busy ICR is transient on hardware; one that stays
 * busy through every try is counted here and reported by the caller. */
static __attribute__((noinline, cold)) bool wake_retry(const struct cpu *cpu)
{
	smp_wake_send_retries++; /* the first try, arch_wake_cpu()'s */
	for (unsigned try = 1; try < SMP_WAKE_TRIES; try++) {
		if (lapic_send_fixed(cpu->hw_id, wakeup_vector))
			return true;
		smp_wake_send_retries++;
	}
	smp_wake_send_failures++;
	return false;
}

/* The first try inline, the others out of line: the usual wake-up sets
 * up no loop (ipi_wake_instructions counts the sender's way). */
bool arch_wake_cpu(const struct cpu *cpu)
{
	if (__builtin_expect(lapic_send_fixed(cpu->hw_id, wakeup_vector), 1))
		return true;
	return wake_retry(cpu);
}
