/*
 * Test-and-set spinlock: here only as the comparison for the ticket lock
 * in `make bench` (lock fairness). Nothing in knock uses it to guard
 * state: it is unfair, since whichever CPU's exchange lands first after a
 * release wins, however long the others have waited.
 *
 * It is the usual test-and-test-and-set form: spin on a plain read until
 * the lock looks free, then try the exchange, so waiters do not keep the
 * cache line bouncing with writes.
 */
#ifndef KNOCK_KERNEL_TASLOCK_H
#define KNOCK_KERNEL_TASLOCK_H

#include <stdint.h>

struct taslock {
	uint32_t locked;
};

void taslock_lock(struct taslock *l);
void taslock_unlock(struct taslock *l);

#endif
