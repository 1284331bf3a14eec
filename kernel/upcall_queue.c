/*
 * A process's bounded upcall queue (see upcall_queue.h): a ring of
 * UPCALL_QUEUE_LEN slots, touched only from the loop, so it needs no lock.
 */
#include <stdbool.h>
#include <stdint.h>

#include "string.h"
#include "upcall_queue.h"

void upcall_queue_init(struct upcall_queue *q)
{
	memset(q, 0, sizeof(*q));
}

void upcall_queue_clear(struct upcall_queue *q)
{
	q->head = 0;
	q->count = 0;
}

static unsigned slot_of(const struct upcall_queue *q, unsigned i)
{
	return (q->head + i) % UPCALL_QUEUE_LEN;
}

bool upcall_queue_push(struct upcall_queue *q, const struct upcall *u)
{
	if (q->count == UPCALL_QUEUE_LEN) {
		q->dropped++;
		return false;
	}
	q->slot[slot_of(q, q->count)] = *u;
	q->count++;
	q->queued++;
	return true;
}

bool upcall_queue_pop(struct upcall_queue *q, struct upcall *u)
{
	if (q->count == 0)
		return false;
	*u = q->slot[q->head];
	q->head = slot_of(q, 1);
	q->count--;
	q->delivered++;
	return true;
}

unsigned upcall_queue_remove(struct upcall_queue *q, uint32_t driver, uint32_t subscribe)
{
	unsigned kept = 0;

	/* Compact in place: slot i moves to slot `kept` (kept <= i). */
	for (unsigned i = 0; i < q->count; i++) {
		const struct upcall *u = &q->slot[slot_of(q, i)];
		if (u->driver == driver && u->subscribe == subscribe)
			continue;
		if (kept != i)
			q->slot[slot_of(q, kept)] = *u;
		kept++;
	}
	unsigned gone = q->count - kept;
	q->count = kept;
	q->removed += gone;
	return gone;
}
