/*
 * The queue interrupt of a virtio function, for its driver's wiring: one
 * MSI-X vector from the pool when the function has MSI-X, else its INTx
 * line, level-triggered (QEMU's vectors=0). Either way one pending bit,
 * whose client is the driver's service; for INTx, through
 * virtio_intx_service(), which reads the ISR status first and unmasks the
 * line after (capsules/virtio_intx.h).
 *
 *	static struct board_virtio_irq irq;
 *	if (!board_virtio_irq_claim(&irq, f, "virtio-blk", &device, virtio_blk_service, &blk))
 *		return;
 *	...memory...
 *	board_pci_enable_dma(f);
 *	if (!board_virtio_irq_route(&irq, f))
 *		return;
 *	virtio_blk_init(..., irq.entry);
 *	board_virtio_irq_start(&irq);
 */
#ifndef KNOCK_BOARD_PC_WIRE_VIRTIO_IRQ_H
#define KNOCK_BOARD_PC_WIRE_VIRTIO_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtio_intx.h"
#include "kernel/hil/irq_line.h"
#include "kernel/hil/pci.h"
#include "kernel/hil/virtio.h"

struct board_virtio_irq {
	unsigned bit;
	uint8_t vector;
	uint16_t entry;                  /* for queue_setup(): 0, or VIRTIO_NO_VECTOR */
	const struct hil_irq_line *line; /* INTx only */
	struct virtio_intx intx;
	char how[48]; /* "vector 0x50" or "INTx (vector 0x5b)", for the log */
};

/* Claim the bit and give it its client at once (whatever fails later,
 * loop_verify() finds the client). Returns false with a warning. */
bool board_virtio_irq_claim(struct board_virtio_irq *irq, struct pci_function *f, const char *owner,
			    const struct hil_virtio *dev, void (*service)(void *ctx), void *ctx);

/* MSI-X: route table entry 0 to the vector and switch `f` to MSI-X.
 * INTx: make sure `f`'s INTx is not disabled. After
 * board_pci_enable_dma(), before the driver sets its queues up. */
bool board_virtio_irq_route(struct board_virtio_irq *irq, struct pci_function *f);

/* Once the driver has started the device: INTx's line unmasked. */
void board_virtio_irq_start(struct board_virtio_irq *irq);

#endif
