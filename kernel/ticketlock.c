/*
 * The ticket lock that knocks (ticketlock.h). `next` and `serving` are
 * 32-bit and wrap; only their equality matters, and far fewer than 2^32
 * CPUs wait. The park and the release follow tests/model/parklock.pml:
 * change them there too.
 */
#include "ticketlock.h"

#include <stdbool.h>

#include "arch.h"
#include "cell.h"
#include "cpu.h"
#include "panic.h"

void ticketlock_init(struct ticketlock *l, const char *name)
{
	*l = (struct ticketlock)TICKETLOCK_INIT(name);
}

static uint32_t check_take(const struct ticketlock *l)
{
	const struct cpu *me = arch_this_cpu();

	kernel_assert_loop_context("ticketlock_lock");
	/* Only this CPU ever writes its own id into `holder`, so seeing it
	 * there means this CPU holds the lock, whatever others are doing. */
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me->id + 1)
		panic("ticketlock %s: cpu %u takes it again while holding it", l->name, me->id);
	return me->id + 1;
}

static void check_release(struct ticketlock *l)
{
	const struct cpu *me = arch_this_cpu();

	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) != me->id + 1)
		panic("ticketlock %s: cpu %u releases it without holding it", l->name, me->id);
	__atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
}

static bool my_turn(struct ticketlock *l, uint32_t ticket)
{
	return __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) == ticket;
}

/*
 * Halt until a releaser knocks (or any other interrupt comes: the caller
 * checks its turn again either way). The loop's race-free sleep
 * (kernel/loop.c), with the parked slot for the idle mark and `serving`
 * for `pending`. A waiter halts only while it is at least `min_distance`
 * tickets from its turn: 1 for the next in line (it halts until its turn
 * comes), 2 for one further back (it halts until it is next in line,
 * when the releaser of the ticket before the one in between knocks it
 * early). Out of line: the spin loop stays as short as the plain lock's.
 */
static __attribute__((noinline, cold)) void park(struct ticketlock *l, uint32_t ticket, uint32_t me,
						 uint32_t min_distance)
{
	uint32_t *slot = &l->parked[ticket % CPU_MAX];

	/* Interrupts off: no knock could wake the halt. Keep spinning. */
	if (!arch_irq_enabled())
		return;
	arch_irq_disable();
	/* Publish, then re-check, with a full barrier between (xchg): the
	 * other half of the handshake in ticketlock_unlock(). Whichever
	 * release moves `serving` to within min_distance of this ticket
	 * reads the slot after its store, so either it sees the mark and
	 * knocks, or this re-check sees the distance shrunk and spins. */
	__atomic_store_n(slot, me, __ATOMIC_SEQ_CST);
	if (ticket - __atomic_load_n(&l->serving, __ATOMIC_SEQ_CST) >= min_distance) {
		__atomic_fetch_add(&l->parks, 1, __ATOMIC_RELAXED);
		/* sti; hlt: the wake-up IPI, held while interrupts were off,
		 * is taken inside the hlt and ends it. */
		arch_enable_irq_and_halt();
	} else {
		arch_irq_enable();
	}
	/* Awake (for the knock or any other interrupt): no longer parked,
	 * so no releaser knocks on a CPU that is spinning again. */
	__atomic_store_n(slot, 0, __ATOMIC_RELAXED);
}

/* Spin turns between two looks at the budget: unrolled, each turn is
 * the plain lock's own (look, pause), so spinning costs no more per
 * pause than the plain lock's. True when the turn came. */
#define SPIN_BATCH 8
_Static_assert(TICKETLOCK_SPINS % SPIN_BATCH == 0 && TICKETLOCK_SPINS_BEHIND % SPIN_BATCH == 0,
	       "whole batches");

static inline bool spin_batch(struct ticketlock *l, uint32_t ticket)
{
#pragma GCC unroll 8
	for (unsigned i = 0; i < SPIN_BATCH; i++) {
		if (my_turn(l, ticket))
			return true;
		arch_cpu_relax();
	}
	return my_turn(l, ticket);
}

void ticketlock_lock(struct ticketlock *l)
{
	uint32_t me = check_take(l);
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (!my_turn(l, ticket)) {
		/* Next in line: spin the full budget, its turn is one release
		 * away. Further back: a short one, then halt until knocked
		 * next in line, giving the host CPU to the holder and to the
		 * next in line. */
		bool next_in_line = ticket - __atomic_load_n(&l->serving, __ATOMIC_RELAXED) == 1;
		unsigned batches =
			(next_in_line ? TICKETLOCK_SPINS : TICKETLOCK_SPINS_BEHIND) / SPIN_BATCH;
		while (!spin_batch(l, ticket) && --batches)
			;
		if (!batches)
			park(l, ticket, me, next_in_line ? 1 : 2);
	}
	__atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
}

/* A CPU parked on the ticket now served or on the one after it. */
static __attribute__((noinline, cold)) void kick(struct ticketlock *l, uint32_t cpu)
{
	const struct cpu *target = arch_cpu(cpu);

	__atomic_fetch_add(&l->kicks, 1, __ATOMIC_RELAXED);
	/* A knock the interrupt controller never took (after its retries)
	 * leaves the waiter halted until any other interrupt: counted. */
	if (!target || !arch_wake_cpu(target))
		__atomic_fetch_add(&l->kicks_failed, 1, __ATOMIC_RELAXED);
}

void ticketlock_unlock(struct ticketlock *l)
{
	check_release(l);
	/* Only the holder writes `serving`. The store is a release (the next
	 * holder sees everything done under the lock) and a full barrier
	 * (xchg) before the loads of the slots: the other half of park(). */
	uint32_t next = __atomic_load_n(&l->serving, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&l->serving, next, __ATOMIC_SEQ_CST);
	uint32_t parked = __atomic_load_n(&l->parked[next % CPU_MAX], __ATOMIC_SEQ_CST);
	if (__builtin_expect(parked != 0, 0))
		kick(l, parked - 1);
	/* The waiter now next in line, early: it wakes while `next` holds
	 * the lock, so its wake-up overlaps that critical section instead
	 * of following it. */
	parked = __atomic_load_n(&l->parked[(next + 1) % CPU_MAX], __ATOMIC_SEQ_CST);
	if (__builtin_expect(parked != 0, 0))
		kick(l, parked - 1);
}

/* The checks for the lab's plain lock (ticketlock.h): out of line here,
 * so the parking lock's own stay inlined as they were. */
uint32_t ticketlock_check_take(const struct ticketlock *l)
{
	return check_take(l);
}

void ticketlock_check_release(struct ticketlock *l)
{
	check_release(l);
}
