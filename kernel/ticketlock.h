/*
 * Ticket lock: FIFO mutual exclusion between CPUs, for the little state
 * that several CPUs share (docs/smp.md). On one CPU nothing needs a lock:
 * all capsule state belongs to its CPU's loop.
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
 * Taking it never disables interrupts. A lock must disable them only if an
 * interrupt handler could take the same lock on the CPU that holds it (the
 * handler would spin forever on its own CPU's lock). In knock no top half
 * takes a lock, or runs C at all: it sets a bit and returns. Every taker
 * runs in loop context, so an interrupt that lands while a lock is held
 * delays the release by three instructions, nothing more.
 *
 * Debug checks (a few instructions, always on): taking a lock outside loop
 * context (an exception handler running C) panics, so does taking a lock
 * this CPU already holds (it would wait for itself forever), and so does
 * releasing one it does not hold.
 */
#ifndef KNOCK_KERNEL_TICKETLOCK_H
#define KNOCK_KERNEL_TICKETLOCK_H

#include <stdint.h>

struct ticketlock {
	uint32_t next;    /* the ticket the next taker draws */
	uint32_t serving; /* the ticket that holds the lock */
	uint32_t holder;  /* id + 1 of the CPU holding it, 0 when free (checks) */
	const char *name; /* for panic messages */
};

#define TICKETLOCK_INIT(lock_name)                                        \
	{                                                                 \
		.next = 0, .serving = 0, .holder = 0, .name = (lock_name) \
	}

void ticketlock_init(struct ticketlock *l, const char *name);
void ticketlock_lock(struct ticketlock *l);
void ticketlock_unlock(struct ticketlock *l);

#endif
