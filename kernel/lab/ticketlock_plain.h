/*
 * The plain ticket lock: waiters spin until their turn, however long. Only
 * `make bench` uses it, as the comparison for the ticket lock that parks
 * (kernel/ticketlock.h, docs/smp.md "Lock hand-overs per second"); knock
 * itself never does, so it lives in the lab.
 *
 * A distinct type, so that a parking lock is never released by the plain
 * unlock, which would not knock. The same debug checks as the parking
 * lock, so the two differ by the parking alone.
 */
#ifndef KNOCK_KERNEL_LAB_TICKETLOCK_PLAIN_H
#define KNOCK_KERNEL_LAB_TICKETLOCK_PLAIN_H

#include "kernel/ticketlock.h"

struct ticketlock_plain {
	struct ticketlock l;
};

#define TICKETLOCK_PLAIN_INIT(lock_name)        \
	{                                       \
		.l = TICKETLOCK_INIT(lock_name) \
	}

void ticketlock_plain_lock(struct ticketlock_plain *p);
void ticketlock_plain_unlock(struct ticketlock_plain *p);

#endif
