/* The ISR-queue design's per-source rings (see isr_queue.h). */
#include "kernel/lab/isr_queue.h"

#include "kernel/panic.h"
#include "kernel/string.h"

void isr_queue_init(struct isr_queue *q, struct isr_slot *slots, uint32_t size)
{
	if (!size || (size & (size - 1)))
		panic("isr_queue: %u slots is not a power of two", (unsigned)size);
	memset(q, 0, sizeof(*q));
	q->slots = slots;
	q->size = size;
}

uint32_t isr_queue_length(const struct isr_queue *q)
{
	/* Both count up and wrap together at 2^32: the difference is right. */
	return __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
}

uint32_t isr_queue_room(const struct isr_queue *q)
{
	return q->size - isr_queue_length(q);
}

bool isr_queue_push(struct isr_queue *q, uint64_t entry, uint8_t byte, bool last)
{
	uint32_t head = q->head;
	uint32_t held = head - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (held == q->size) {
		q->dropped++;
		return false;
	}
	q->slots[head & (q->size - 1)] =
		(struct isr_slot){ .entry = entry, .byte = byte, .last = last ? 1 : 0 };
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	q->pushed++;
	if (held + 1 > q->high_water)
		q->high_water = held + 1;
	return true;
}

bool isr_queue_pop(struct isr_queue *q, struct isr_slot *out)
{
	uint32_t tail = q->tail;

	if (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == tail)
		return false;
	*out = q->slots[tail & (q->size - 1)];
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}
