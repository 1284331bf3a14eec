/* The bake-off's bounded event queue (see isr_queue.h). */
#include "kernel/lab/isr_queue.h"

#include "kernel/string.h"

_Static_assert((ISR_QUEUE_SIZE & (ISR_QUEUE_SIZE - 1)) == 0, "ISR_QUEUE_SIZE: a power of two");

void isr_queue_init(struct isr_queue *q)
{
	memset(q, 0, sizeof(*q));
}

uint32_t isr_queue_length(const struct isr_queue *q)
{
	/* Both count up and wrap together at 2^32: the difference is right. */
	return q->head - q->tail;
}

bool isr_queue_push(struct isr_queue *q, const struct isr_event *ev)
{
	unsigned source = ev->source < ISR_QUEUE_SOURCES ? ev->source : ISR_QUEUE_SOURCES - 1;
	uint32_t held = isr_queue_length(q);

	if (held == ISR_QUEUE_SIZE) {
		q->dropped[source]++;
		return false;
	}
	q->events[q->head % ISR_QUEUE_SIZE] = *ev;
	q->head++;
	q->pushed[source]++;
	if (held + 1 > q->high_water)
		q->high_water = held + 1;
	return true;
}

bool isr_queue_pop(struct isr_queue *q, struct isr_event *out)
{
	if (q->head == q->tail)
		return false;
	*out = q->events[q->tail % ISR_QUEUE_SIZE];
	q->tail++;
	return true;
}
