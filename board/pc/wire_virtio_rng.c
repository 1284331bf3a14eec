/*
 * The pc board's virtio-rng wiring (wire_virtio_rng.h): find the device,
 * claim its interrupt (a pool vector, or its INTx line without MSI-X:
 * wire_virtio_irq.h) and give its bit the capsule at once (a claimed bit
 * must have a client whatever happens next), lend the capsule two pages
 * of DMA memory (the queue, and the buffer the device writes), route the
 * interrupt, then let the capsule start the device.
 *
 * Physical and virtual addresses are the same here: knock maps RAM one to
 * one (board/pc/wire_memory.c), below 4 GiB and above.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_memory.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_virtio_irq.h"
#include "board/pc/wire_virtio_rng.h"
#include "capsules/virtio_rng.h"
#include "chips/x86_64/virtio_pci.h"
#include "kernel/log.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_RNG_MODERN 0x1044
#define VIRTIO_RNG_TRANSITIONAL 0x1005
#define PAGE 4096

static struct virtio_pci transport;
static struct hil_virtio device;
static struct virtio_rng rng;
static struct board_virtio_irq irq;
static bool have_rng;

void board_wire_virtio_rng(void)
{
	struct pci_function *f = board_pci_find_one("virtio-rng", VIRTIO_VENDOR, VIRTIO_RNG_MODERN,
						    VIRTIO_RNG_TRANSITIONAL);
	uint64_t queue_addr, buf_addr;

	if (!f) {
		log_info("virtio-rng: no device");
		return;
	}
	if (virtio_pci_open(&transport, board_pci_config(), f, &device) != 0)
		return;
	if (!board_virtio_irq_claim(&irq, f, "virtio-rng", &device, virtio_rng_service, &rng))
		return;
	if (!board_dma_alloc(PAGE, PAGE, &queue_addr) || !board_dma_alloc(PAGE, PAGE, &buf_addr)) {
		log_warn("virtio-rng: no memory for its queue and buffer: not driven");
		return;
	}
	board_pci_enable_dma(f);
	if (!board_virtio_irq_route(&irq, f))
		return;
	if (virtio_rng_init(&rng, &device, (void *)(uintptr_t)queue_addr, queue_addr,
			    (uint8_t *)(uintptr_t)buf_addr, buf_addr, PAGE, irq.entry) != 0)
		return;
	board_virtio_irq_start(&irq);
	have_rng = true;
	log_info("virtio-rng: %02x:%02x.%x on %s, pending bit %u; queue at 0x%llx, "
		 "buffer at 0x%llx",
		 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), irq.how, irq.bit,
		 (unsigned long long)queue_addr, (unsigned long long)buf_addr);
}

const struct hil_rng *board_rng(void)
{
	return have_rng ? &rng.hil : NULL;
}
