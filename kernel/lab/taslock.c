/* The test-and-set spinlock (taslock.h), the benchmark's unfair baseline. */
#include "kernel/lab/taslock.h"

#include "kernel/arch.h"

void taslock_lock(struct taslock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
}

void taslock_unlock(struct taslock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
