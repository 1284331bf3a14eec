/* A virtio function's queue interrupt (wire_virtio_irq.h). */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_intx.h"
#include "board/pc/wire_msi.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_virtio_irq.h"
#include "kernel/fmt.h"
#include "kernel/loop.h"

#define CMD_INTX_DISABLE (1u << 10)

bool board_virtio_irq_claim(struct board_virtio_irq *irq, struct pci_function *f, const char *owner,
			    const struct hil_virtio *dev, void (*service)(void *ctx), void *ctx)
{
	*irq = (struct board_virtio_irq){ .entry = VIRTIO_NO_VECTOR };
	if (f->msix_cap) {
		if (!board_msi_claim(owner, &irq->bit, &irq->vector))
			return false;
		loop_set_client(irq->bit, owner, service, ctx);
		irq->entry = 0;
		ksnprintf(irq->how, sizeof(irq->how), "vector 0x%x", irq->vector);
		return true;
	}
	if (!board_intx_claim(f, owner, &irq->bit, &irq->vector, &irq->line))
		return false;
	virtio_intx_init(&irq->intx, dev, irq->line, service, ctx);
	loop_set_client(irq->bit, owner, virtio_intx_service, &irq->intx);
	ksnprintf(irq->how, sizeof(irq->how), "INTx (vector 0x%x)", irq->vector);
	return true;
}

bool board_virtio_irq_route(struct board_virtio_irq *irq, struct pci_function *f)
{
	if (irq->line) {
		if (f->command & CMD_INTX_DISABLE)
			board_pci_set_command(f, (uint16_t)(f->command & ~CMD_INTX_DISABLE));
		return true;
	}
	uint16_t entry = 0;
	return board_msix_enable(f, &entry, &irq->bit, 1);
}

void board_virtio_irq_start(struct board_virtio_irq *irq)
{
	if (irq->line)
		irq->line->unmask(irq->line->hw);
}
