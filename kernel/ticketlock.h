/*
 * Ticket lock that knocks: FIFO mutual exclusion between CPUs, for the
 * little state that several CPUs share (docs/smp.md). On one CPU nothing
 * needs a lock: all capsule state belongs to its CPU's loop.
 *
 *   static struct ticketlock lock = TICKETLOCK_INIT("counter");
 *   ticketlock_lock(&lock);
 *   shared_counter++;
 *   ticketlock_unlock(&lock);
 *
 * A taker draws a ticket (an atomic add on `next`) and spins, with a
 * `pause` (arch_cpu_relax()) per turn, until `serving` reaches its ticket;
 * unlock serves the next ticket. Tickets are served in the order they were
 * drawn, so no CPU waits while later arrivals go first.
 *
 * Parking. A waiter that has spun its budget stops spinning and halts
 * until a releaser knocks, as the loop sleeps: with interrupts off it
 * publishes "CPU c is parked on ticket t" in parked[t % CPU_MAX] (an
 * xchg, a full barrier), re-checks `serving`, and only if it is still as
 * far from its turn as it parked for executes `sti; hlt`
 * (arch_enable_irq_and_halt()). The next in line spins TICKETLOCK_SPINS
 * turns and parks until its turn; a waiter two or more tickets back spins
 * only TICKETLOCK_SPINS_BEHIND and parks until it is next in line. The
 * releaser stores the next ticket into `serving` (also an xchg), then
 * reads that ticket's parked slot and the one after it, and sends the
 * wake-up IPI to each CPU parked there: the new holder, and early, the
 * new next in line, whose wake-up then overlaps the holder's critical
 * section instead of following it. Each side stores, then loads what the
 * other stored, both behind full barriers, so one of them sees the other:
 * the releaser sees the mark and knocks (the IPI is held while the waiter
 * has interrupts off and wakes its `hlt`), or the waiter's re-check sees
 * the distance shrunk. tests/model/parklock.pml checks this with spin.
 *
 * Why park: under a hypervisor (QEMU's TCG with a host thread per vCPU,
 * or any VM on a shared host) the next ticket holder may be a vCPU the
 * host has descheduled, and every CPU behind it spins through whole host
 * time slices. A halted vCPU gives its host CPU back, and the knock wakes
 * the CPUs whose turn is next. Parking the waiters further back early
 * leaves the host's CPUs to the holder and the next in line. At most
 * CPU_MAX CPUs hold tickets at once (one per CPU), so ticket t and
 * t + CPU_MAX are never outstanding together and one slot per CPU_MAX
 * tickets is enough.
 *
 * Taking it never disables interrupts for longer than the park's check. A
 * lock must disable them only if an interrupt handler could take the same
 * lock on the CPU that holds it (the handler would spin forever on its own
 * CPU's lock). In knock no top half takes a lock, or runs C at all: it
 * sets a bit and returns. Every taker runs in loop context, so an
 * interrupt that lands while a lock is held delays the release by three
 * instructions, nothing more. A waiter that finds interrupts off (it could
 * never be woken) does not park; it spins.
 *
 * Debug checks (a few instructions, always on): taking a lock outside loop
 * context (an exception handler running C) panics, so does taking a lock
 * this CPU already holds (it would wait for itself forever), and so does
 * releasing one it does not hold.
 *
 * The plain spinning ticket lock, the same lock without parking, is the
 * comparison in `make bench`: the lab's (kernel/lab/ticketlock_plain.h).
 */
#ifndef KNOCK_KERNEL_TICKETLOCK_H
#define KNOCK_KERNEL_TICKETLOCK_H

#include <stdint.h>

#include "cpu.h"

/* Spin turns (each one `pause`) before a waiter parks. Under QEMU's TCG a
 * pause costs about a microsecond, on hardware tens of nanoseconds: long
 * enough for a hand-over between running CPUs, short next to a host time
 * slice (docs/smp.md has the measurements behind it). */
#define TICKETLOCK_SPINS 512
/* ... for a waiter two or more tickets from its turn, which halts sooner
 * and is knocked when it becomes next in line. */
#define TICKETLOCK_SPINS_BEHIND 64

struct ticketlock {
	uint32_t next;    /* the ticket the next taker draws */
	uint32_t serving; /* the ticket that holds the lock */
	uint32_t holder;  /* id + 1 of the CPU holding it, 0 when free (checks) */
	const char *name; /* for panic messages */
	/* parked[t % CPU_MAX]: id + 1 of the CPU that waits for ticket t and
	 * is halted or about to halt; 0 when it is not parked. */
	uint32_t parked[CPU_MAX];
	uint64_t parks;        /* halts of waiters (atomic) */
	uint64_t kicks;        /* wake-up IPIs sent by releasers (atomic) */
	uint64_t kicks_failed; /* of them, never taken by the interrupt controller (atomic) */
};

#define TICKETLOCK_INIT(lock_name)                                        \
	{                                                                 \
		.next = 0, .serving = 0, .holder = 0, .name = (lock_name) \
	}

void ticketlock_init(struct ticketlock *l, const char *name);
void ticketlock_lock(struct ticketlock *l);
void ticketlock_unlock(struct ticketlock *l);

/* The debug checks above, for the lab's plain ticket lock
 * (kernel/lab/ticketlock_plain.h), which must pay what this one pays:
 * the id + 1 the caller stores into `holder` once it has the lock, and
 * the check that it holds it before the release. */
uint32_t ticketlock_check_take(const struct ticketlock *l);
void ticketlock_check_release(struct ticketlock *l);

#endif
