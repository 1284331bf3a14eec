/* The plain ticket lock (ticketlock_plain.h), the benchmark's comparison. */
#include "kernel/lab/ticketlock_plain.h"

#include "kernel/arch.h"

void ticketlock_plain_lock(struct ticketlock_plain *p)
{
	struct ticketlock *l = &p->l;
	uint32_t me = ticketlock_check_take(l);
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
	__atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
}

void ticketlock_plain_unlock(struct ticketlock_plain *p)
{
	struct ticketlock *l = &p->l;

	ticketlock_check_release(l);
	uint32_t serving = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
	__atomic_store_n(&l->serving, serving + 1, __ATOMIC_RELEASE);
}
