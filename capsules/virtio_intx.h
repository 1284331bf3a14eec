/*
 * A virtio device that interrupts through INTx (no MSI-X: QEMU's
 * vectors=0): the loop client of its level line's pending bit. It reads
 * the ISR status, which acknowledges the interrupt and makes the device
 * drop the line, runs the driver's own service (which drains the used
 * rings), then unmasks the line its top half masked. In that order, a
 * request the device finishes at any moment is either drained now or
 * raises the line again for the next round.
 *
 *	virtio_intx_init(&intx, &device, &line, virtio_blk_service, &blk);
 *	loop_set_client(bit, "virtio-blk", virtio_intx_service, &intx);
 */
#ifndef KNOCK_CAPSULES_VIRTIO_INTX_H
#define KNOCK_CAPSULES_VIRTIO_INTX_H

#include <stdint.h>

#include "kernel/hil/irq_line.h"
#include "kernel/hil/virtio.h"

struct virtio_intx_stats {
	uint64_t services; /* times the line's bit was serviced */
	uint64_t queue;    /* ISR reads with the queue bit set */
	uint64_t config;   /* ... with the configuration bit set */
	uint64_t empty;    /* ... with nothing set (a knock already drained) */
};

struct virtio_intx {
	const struct hil_virtio *dev;
	const struct hil_irq_line *line;
	void (*service)(void *ctx);
	void *ctx;
	struct virtio_intx_stats stats;
};

void virtio_intx_init(struct virtio_intx *x, const struct hil_virtio *dev,
		      const struct hil_irq_line *line, void (*service)(void *ctx), void *ctx);

void virtio_intx_service(void *ctx);

#endif
