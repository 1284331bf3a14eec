/*
 * Cross-CPU deferred calls (xcall.h): a deferred-call bit set in another
 * CPU's pending word, plus the wake-up IPI when that CPU sleeps.
 */
#include "xcall.h"

#include "arch.h"
#include "cpu.h"
#include "panic.h"
#include "pending.h"

bool xcall_always_ipi;

static struct xcall_stats stats[CPU_MAX];

void xcall_init(struct xcall *xc, const char *owner)
{
	xc->bit = loop_declare_deferred(owner);
	xc->mask = (uint64_t)1 << xc->bit;
}

void xcall_register(const struct xcall *xc, const char *client, loop_client_fn fn, void *ctx)
{
	loop_set_client(xc->bit, client, fn, ctx);
}

/* Set `mask` in CPU `cpu`'s pending word and wake it if it may sleep.
 * Inline in both callers: xcall_set() is on the way from one CPU's knock
 * to the other's client (ipi_wake_instructions). */
static inline __attribute__((always_inline)) void knock(struct cpu *target, uint64_t mask)
{
	struct cpu *me = arch_this_cpu();
	struct xcall_stats *st = &stats[me->id % CPU_MAX];

	st->sets++;
	/* A full barrier (lock or), then the target's idle mark: the other
	 * half of the handshake in loop_sleep_if_idle(). */
	__atomic_fetch_or(&target->pending, mask, __ATOMIC_SEQ_CST);
	if (target == me)
		return;
	if (xcall_always_ipi || __atomic_load_n(&target->idle, __ATOMIC_SEQ_CST)) {
		st->ipis++;
		/* The target may sleep through its knock: `cpus` says so. */
		if (!arch_wake_cpu(target))
			st->ipis_failed++;
	} else {
		st->ipis_skipped++;
	}
}

static __attribute__((noinline, cold, noreturn)) void no_client(const struct xcall *xc,
								unsigned cpu)
{
	panic("xcall %s: cpu %u has no client for it", loop_slot_name(xc->bit), cpu);
}

bool xcall_set(const struct xcall *xc, unsigned cpu)
{
	struct cpu *target = arch_cpu(cpu);

	if (!target || __atomic_load_n(&target->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
		return false;
	/* Every CPU shares the boot CPU's client function for the bit; one
	 * that never registered has no context for it. */
	if (!loop_has_client(cpu, xc->bit))
		no_client(xc, cpu);
	knock(target, xc->mask);
	return true;
}

/* The hand-over's client: ctx is the owner's id times 64 plus the bit.
 * The owner is online and answers the bit (checked at registration, and
 * CPUs never go offline). */
static void handover(void *ctx)
{
	uintptr_t v = (uintptr_t)ctx;

	knock(arch_cpu((unsigned)(v / PENDING_BITS)), (uint64_t)1 << (v % PENDING_BITS));
}

void xcall_handover(unsigned bit, unsigned owner)
{
	struct cpu *target = arch_cpu(owner);

	if (!target || !loop_has_client(owner, bit))
		panic("xcall: bit %u (%s) cannot be handed to cpu %u, which has no client for it",
		      bit, loop_slot_name(bit) ? loop_slot_name(bit) : "undeclared", owner);
	loop_set_handover(bit, owner, handover, (void *)(uintptr_t)(owner * PENDING_BITS + bit));
}

void xcall_get_stats(unsigned cpu, struct xcall_stats *out)
{
	if (cpu >= CPU_MAX) {
		*out = (struct xcall_stats){ 0 };
		return;
	}
	out->sets = __atomic_load_n(&stats[cpu].sets, __ATOMIC_RELAXED);
	out->ipis = __atomic_load_n(&stats[cpu].ipis, __ATOMIC_RELAXED);
	out->ipis_skipped = __atomic_load_n(&stats[cpu].ipis_skipped, __ATOMIC_RELAXED);
	out->ipis_failed = __atomic_load_n(&stats[cpu].ipis_failed, __ATOMIC_RELAXED);
}
