/*
 * A process's queue of upcalls: the callbacks capsules schedule for it,
 * delivered one at a time when it yields (docs/processes.md). Bounded, so
 * a capsule cannot make the kernel allocate for a process that never
 * yields: when the queue is full the upcall is dropped and counted, and
 * `ps` shows the count, so an overflow is never silent.
 *
 * Portable, host-tested (tests/unit/test_upcall_queue.c).
 */
#ifndef KNOCK_KERNEL_UPCALL_QUEUE_H
#define KNOCK_KERNEL_UPCALL_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define UPCALL_QUEUE_LEN 16

/* One call into the process: fn(arg0, arg1, arg2, userdata), in ring 3. */
struct upcall {
	uint32_t driver;    /* which syscall driver scheduled it */
	uint32_t subscribe; /* which of its subscriptions */
	uint64_t fn;        /* the process's function, as subscribed */
	uint64_t userdata;  /* the process's value, as subscribed */
	uint64_t arg[3];
};

struct upcall_queue {
	struct upcall slot[UPCALL_QUEUE_LEN];
	unsigned head;  /* the oldest */
	unsigned count; /* how many, from head on */
	/* Since the process started: */
	uint64_t queued;    /* accepted */
	uint64_t delivered; /* taken to run */
	uint64_t dropped;   /* refused because the queue was full */
	uint64_t removed;   /* taken back by a new subscription */
};

void upcall_queue_init(struct upcall_queue *q);

/* Empty the queue, keeping the counters (they are since the process
 * first started, for ps). */
void upcall_queue_clear(struct upcall_queue *q);

/* Queue `u` behind the others; false (and counted in `dropped`) if full. */
bool upcall_queue_push(struct upcall_queue *q, const struct upcall *u);

/* Take the oldest into *u; false if there is none. */
bool upcall_queue_pop(struct upcall_queue *q, struct upcall *u);

/*
 * Remove every queued upcall of (driver, subscribe), keeping the order of
 * the others: a new subscribe replaces the old function, and the old one
 * must never run after subscribe has returned. Returns how many.
 */
unsigned upcall_queue_remove(struct upcall_queue *q, uint32_t driver, uint32_t subscribe);

/* The oldest, left in place (NULL if none): the loop delivers it straight
 * from the queue, then drops it. */
static inline const struct upcall *upcall_queue_peek(const struct upcall_queue *q)
{
	return q->count ? &q->slot[q->head] : (const struct upcall *)0;
}

/* Take the oldest away (after upcall_queue_peek() found it). */
static inline void upcall_queue_drop(struct upcall_queue *q)
{
	q->head = (q->head + 1) % UPCALL_QUEUE_LEN;
	q->count--;
	q->delivered++;
}

/* The slot for a new upcall behind the others, to be filled and then
 * committed; NULL (and counted in `dropped`) if the queue is full. */
static inline struct upcall *upcall_queue_tail(struct upcall_queue *q)
{
	if (q->count == UPCALL_QUEUE_LEN) {
		q->dropped++;
		return (struct upcall *)0;
	}
	return &q->slot[(q->head + q->count) % UPCALL_QUEUE_LEN];
}

static inline void upcall_queue_commit(struct upcall_queue *q)
{
	q->count++;
	q->queued++;
}

static inline unsigned upcall_queue_count(const struct upcall_queue *q)
{
	return q->count;
}

#endif
