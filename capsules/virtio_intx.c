/* A virtio device's INTx service (virtio_intx.h). Spec: Virtual I/O
 * Device 1.2, 4.1.4.5 (the ISR status: bit 0 a queue, bit 1 the
 * configuration; reading it resets it and deasserts INTx). */
#include <stdint.h>

#include "capsules/virtio_intx.h"

void virtio_intx_init(struct virtio_intx *x, const struct hil_virtio *dev,
		      const struct hil_irq_line *line, void (*service)(void *ctx), void *ctx)
{
	*x = (struct virtio_intx){ .dev = dev, .line = line, .service = service, .ctx = ctx };
}

void virtio_intx_service(void *ctx)
{
	struct virtio_intx *x = ctx;
	uint8_t isr = x->dev->isr(x->dev->hw);

	x->stats.services++;
	if (isr & VIRTIO_ISR_QUEUE)
		x->stats.queue++;
	if (isr & VIRTIO_ISR_CONFIG)
		x->stats.config++;
	if (!isr)
		x->stats.empty++;
	/* Drained whatever the ISR said: a used entry can be there without
	 * the bit (added after the read), and draining it now is harmless. */
	x->service(x->ctx);
	x->line->unmask(x->line->hw);
}
