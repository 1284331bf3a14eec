/*
 * The pc board's virtio-blk wiring (wire_virtio_blk.h): as for virtio-rng
 * (docs/drivers.md): find the device, claim its interrupt and give the
 * capsule its bit, lend it one page of DMA memory (the queue, then the
 * request headers and status bytes), route the interrupt, start it.
 * Data buffers are the callers' own (kernel/hil/block.h): RAM is mapped
 * one to one, so any of it is an address the device can use.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_memory.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_virtio_blk.h"
#include "board/pc/wire_virtio_irq.h"
#include "capsules/virtio_blk.h"
#include "chips/x86_64/virtio_pci.h"
#include "kernel/log.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_BLK_MODERN 0x1042
#define VIRTIO_BLK_TRANSITIONAL 0x1001
#define PAGE 4096
/* The headers after the queue, 16-byte aligned, in the same page. */
#define REQS_OFFSET 2048

_Static_assert(REQS_OFFSET + VIRTIO_BLK_REQ_BYTES <= PAGE, "the headers do not fit the page");

static struct virtio_pci transport;
static struct hil_virtio device;
static struct virtio_blk blk;
static struct board_virtio_irq irq;
static bool have_blk;

void board_wire_virtio_blk(void)
{
	struct pci_function *f = board_pci_find_one("virtio-blk", VIRTIO_VENDOR, VIRTIO_BLK_MODERN,
						    VIRTIO_BLK_TRANSITIONAL);
	uint64_t page;

	if (!f) {
		log_info("virtio-blk: no device");
		return;
	}
	if (virtio_pci_open(&transport, board_pci_config(), f, &device) != 0)
		return;
	if (!board_virtio_irq_claim(&irq, f, "virtio-blk", &device, virtio_blk_service, &blk))
		return;
	if (virtq_bytes(VIRTIO_BLK_QUEUE_SIZE) > REQS_OFFSET ||
	    !board_dma_alloc(PAGE, PAGE, &page)) {
		log_warn("virtio-blk: no memory for its queue: not driven");
		return;
	}
	board_pci_enable_dma(f);
	if (!board_virtio_irq_route(&irq, f))
		return;
	if (virtio_blk_init(&blk, &device, (void *)(uintptr_t)page, page,
			    (void *)(uintptr_t)(page + REQS_OFFSET), page + REQS_OFFSET,
			    irq.entry) != 0)
		return;
	board_virtio_irq_start(&irq);
	have_blk = true;
	log_info("virtio-blk: %02x:%02x.%x on %s, pending bit %u; queue at 0x%llx",
		 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), irq.how, irq.bit,
		 (unsigned long long)page);
}

const struct hil_block *board_block(void)
{
	return have_blk ? &blk.hil : NULL;
}

const struct hil_block_client *board_block_client(void)
{
	return have_blk ? blk.client : NULL;
}
