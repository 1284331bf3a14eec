/*
 * The ticket lock (ticketlock.h). `next` and `serving` are 32-bit and
 * wrap; only their equality matters, and far fewer than 2^32 CPUs wait.
 */
#include "ticketlock.h"

#include "arch.h"
#include "cell.h"
#include "cpu.h"
#include "panic.h"

void ticketlock_init(struct ticketlock *l, const char *name)
{
	*l = (struct ticketlock)TICKETLOCK_INIT(name);
}

void ticketlock_lock(struct ticketlock *l)
{
	const struct cpu *me = arch_this_cpu();

	kernel_assert_loop_context("ticketlock_lock");
	/* Only this CPU ever writes its own id into `holder`, so seeing it
	 * there means this CPU holds the lock, whatever others are doing. */
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me->id + 1)
		panic("ticketlock %s: cpu %u takes it again while holding it", l->name, me->id);

	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
	__atomic_store_n(&l->holder, me->id + 1, __ATOMIC_RELAXED);
}

void ticketlock_unlock(struct ticketlock *l)
{
	const struct cpu *me = arch_this_cpu();

	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) != me->id + 1)
		panic("ticketlock %s: cpu %u releases it without holding it", l->name, me->id);
	__atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
	/* Only the holder writes `serving`: a plain increment, published
	 * with release so the next holder sees everything done under it. */
	uint32_t serving = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
	__atomic_store_n(&l->serving, serving + 1, __ATOMIC_RELEASE);
}
