/*
 * A bounded queue of device events, filled by interrupt handlers and
 * drained by the loop: the "ISR-queue" design of the bake-off
 * (docs/bakeoff.md, board/pc/design_isrqueue.c), the one many hobby
 * kernels use. knock's own design never uses it: its top halves only set
 * a bit and leave the data in the device.
 *
 * One producer (the interrupt handler, which runs with interrupts off and
 * never nests) and one consumer (the loop) on one CPU. The loop disables
 * interrupts around each pop, so the two never touch the queue at the
 * same time and no atomic operation is needed: that cli/sti pair is the
 * design's cost on the loop side, and the bake-off measures it.
 *
 * A push into a full queue drops the event and counts it per source: the
 * design's honest failure mode (knock's devices hold what the loop has not
 * read yet; a queue in memory has to give up somewhere).
 */
#ifndef KNOCK_KERNEL_ISR_QUEUE_H
#define KNOCK_KERNEL_ISR_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define ISR_QUEUE_SIZE 128 /* events; a power of two */
#define ISR_QUEUE_SOURCES 8

struct isr_event {
	uint64_t entry; /* cycle counter at the handler's entry */
	uint8_t source; /* < ISR_QUEUE_SOURCES: whose event (the board's numbering) */
	uint8_t kind;   /* the source's own kind of event (e.g. received / sent) */
	uint8_t byte;   /* the data byte, for sources that read one */
	uint8_t reserved[5];
};

struct isr_queue {
	struct isr_event events[ISR_QUEUE_SIZE];
	uint32_t head;       /* events ever pushed; the next goes to head % size */
	uint32_t tail;       /* events ever popped */
	uint32_t high_water; /* most events ever held at once */
	uint64_t pushed[ISR_QUEUE_SOURCES];
	uint64_t dropped[ISR_QUEUE_SOURCES]; /* pushes refused: the queue was full */
};

void isr_queue_init(struct isr_queue *q);

/* Handler side (interrupts off). False when the queue was full: the event
 * is dropped and counted. A source out of range counts as the last one. */
bool isr_queue_push(struct isr_queue *q, const struct isr_event *ev);

/* Loop side, with interrupts off around the call. False when empty. */
bool isr_queue_pop(struct isr_queue *q, struct isr_event *out);

/* Events held now. */
uint32_t isr_queue_length(const struct isr_queue *q);

#endif
