/*
 * One interrupt source's ring of received bytes, filled by its interrupt
 * handler and emptied by the loop: the "ISR-queue" design of the bake-off
 * (docs/bakeoff.md, board/pc/lab/design_isrqueue.c), built as its best
 * advocate would build it. knock's own design never uses it: its top
 * halves only set a bit and leave the data in the device.
 *
 * - One ring per source, sized by the board for that source's worst burst
 *   (a ring shared by all sources lets a serial flood crowd out keys).
 * - Only data goes in a ring. State that is level-like (the timer fired,
 *   the transmit FIFO emptied) is a flag, not a queued event: setting it
 *   twice means the same as once, and it cannot be dropped.
 * - A full ring is not a reason to drop: the handler stops reading and
 *   throttles its source (isr_queue_room() tells it when), so the bytes
 *   stay in the device, which holds what it can; the loop unthrottles once
 *   it has drained. `dropped` counts pushes into a full ring anyway, and
 *   the bake-off checks that it stays 0.
 *
 * One producer (the handler: interrupts off, never nested) and one
 * consumer (the loop) on one CPU: `head` is written only by the handler,
 * `tail` only by the loop, each published with release and read with
 * acquire, so neither side needs a lock or a cli.
 */
#ifndef KNOCK_KERNEL_ISR_QUEUE_H
#define KNOCK_KERNEL_ISR_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct isr_slot {
	uint64_t entry; /* the cycle counter when the interrupt that read it came */
	uint8_t byte;
	uint8_t last; /* the last byte that interrupt read: its service is done with it */
	uint8_t reserved[6];
};

struct isr_queue {
	struct isr_slot *slots;
	uint32_t size;       /* a power of two */
	uint32_t head;       /* bytes ever pushed (handler) */
	uint32_t tail;       /* bytes ever popped (loop) */
	uint32_t high_water; /* most bytes ever held at once */
	uint64_t pushed;
	uint64_t dropped;   /* pushes into a full ring: the design's bug if not 0 */
	uint64_t throttles; /* times the handler stopped its source because the ring was full */
};

/* `size` slots at `slots`; size must be a power of two (else it panics). */
void isr_queue_init(struct isr_queue *q, struct isr_slot *slots, uint32_t size);

/* Bytes held now, and room left (either side). */
uint32_t isr_queue_length(const struct isr_queue *q);
uint32_t isr_queue_room(const struct isr_queue *q);

/* Handler side. False when the ring was full: dropped and counted. */
bool isr_queue_push(struct isr_queue *q, uint64_t entry, uint8_t byte, bool last);

/* Loop side. False when empty. */
bool isr_queue_pop(struct isr_queue *q, struct isr_slot *out);

#endif
