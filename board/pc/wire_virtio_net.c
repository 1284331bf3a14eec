/*
 * The pc board's virtio-net wiring (wire_virtio_net.h): find the device,
 * claim two pool vectors (receive, transmit) and give their bits the
 * capsule at once (a claimed bit must have a client whatever happens
 * next), lend the capsule DMA memory (two queues and the frame buffers),
 * route MSI-X entries 0 and 1 to the vectors, start the device, and put
 * the IPv4 host on it. A device without MSI-X (QEMU's vectors=0) gets its
 * INTx line instead, one interrupt for both queues (wire_virtio_irq.h).
 *
 * Physical and virtual addresses are the same here: knock maps RAM one to
 * one (board/pc/wire_memory.c), below 4 GiB and above.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_memory.h"
#include "board/pc/wire_msi.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_virtio_irq.h"
#include "board/pc/wire_virtio_net.h"
#include "capsules/net_stack.h"
#include "capsules/virtio_net.h"
#include "chips/x86_64/virtio_pci.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/loop.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_MODERN 0x1041
#define VIRTIO_NET_TRANSITIONAL 0x1000
#define PAGE 4096
#define RX_ENTRY 0 /* the MSI-X table entries the queues signal */
#define TX_ENTRY 1
#define BUFS VIRTIO_NET_QUEUE_SIZE

/* QEMU's user networking (slirp) gives its guest this address. */
static const uint8_t knock_ip[4] = { 10, 0, 2, 15 };

static struct virtio_pci transport;
static struct hil_virtio device;
static struct virtio_net net;
static struct net_stack stack;
static struct board_virtio_irq intx; /* without MSI-X */
static bool have_net;

static const struct net_counter link_counters[] = {
	{ "frames out", &net.stats.tx_frames, false },
	{ "sent by the device", &net.stats.tx_done, false },
	{ "ring full", &net.stats.ring_full, true },
	{ "runt (no virtio-net header)", &net.stats.runt, true },
	{ "oversized (beyond its buffer)", &net.stats.oversized, true },
};

/* MSI-X: a pool vector and bit per queue, entries 0 and 1. */
static bool claim_msix(unsigned bits[2], uint8_t vectors[2])
{
	if (!board_msi_claim("virtio-net rx", &bits[0], &vectors[0]))
		return false;
	loop_set_client(bits[0], "virtio-net rx", virtio_net_rx_service, &net);
	if (!board_msi_claim("virtio-net tx", &bits[1], &vectors[1]))
		return false;
	loop_set_client(bits[1], "virtio-net tx", virtio_net_tx_service, &net);
	return true;
}

static void log_started(const struct pci_function *f, const unsigned bits[2],
			const uint8_t vectors[2])
{
	char how[96];

	if (f->msix_cap)
		ksnprintf(how, sizeof(how),
			  "rx on vector 0x%x, pending bit %u; tx on vector 0x%x, pending bit %u",
			  vectors[0], bits[0], vectors[1], bits[1]);
	else
		ksnprintf(how, sizeof(how), "rx and tx on %s, pending bit %u", intx.how, intx.bit);
	log_info("virtio-net: %02x:%02x.%x %s; IP %u.%u.%u.%u (static)", PCI_BDF_BUS(f->bdf),
		 PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), how, knock_ip[0], knock_ip[1],
		 knock_ip[2], knock_ip[3]);
}

void board_wire_virtio_net(void)
{
	struct pci_function *f = board_pci_find_one("virtio-net", VIRTIO_VENDOR, VIRTIO_NET_MODERN,
						    VIRTIO_NET_TRANSITIONAL);
	unsigned bits[2] = { 0, 0 };
	uint8_t vectors[2] = { 0, 0 };
	uint16_t entries[2] = { RX_ENTRY, TX_ENTRY };
	uint64_t rx_addr, tx_addr, bufs_addr;

	if (!f) {
		log_info("virtio-net: no device");
		return;
	}
	if (virtio_pci_open(&transport, board_pci_config(), f, &device) != 0)
		return;
	if (f->msix_cap ? !claim_msix(bits, vectors) :
			  !board_virtio_irq_claim(&intx, f, "virtio-net", &device,
						  virtio_net_service, &net))
		return;
	if (!board_dma_alloc(PAGE, PAGE, &rx_addr) || !board_dma_alloc(PAGE, PAGE, &tx_addr) ||
	    !board_dma_alloc((uint64_t)BUFS * VIRTIO_NET_BUF_BYTES, PAGE, &bufs_addr)) {
		log_warn("virtio-net: no memory for its queues and buffers: not driven");
		return;
	}
	board_pci_enable_dma(f);
	if (f->msix_cap ? !board_msix_enable(f, entries, bits, 2) :
			  !board_virtio_irq_route(&intx, f))
		return;
	if (!f->msix_cap)
		entries[0] = entries[1] = intx.entry;
	if (virtio_net_init(&net, &device, (void *)(uintptr_t)rx_addr, rx_addr,
			    (void *)(uintptr_t)tx_addr, tx_addr, (uint8_t *)(uintptr_t)bufs_addr,
			    bufs_addr, BUFS, entries[0], entries[1]) != 0)
		return;
	board_virtio_irq_start(&intx);
	uint8_t mac[ETH_ADDR_LEN];
	net.hil.mac(net.hil.hw, mac);
	net_stack_init(&stack, mac, knock_ip);
	net.hil.set_client(net.hil.hw, &stack.client);
	have_net = true;
	log_started(f, bits, vectors);
	log_info("virtio-net: queues at 0x%llx and 0x%llx, buffers at 0x%llx",
		 (unsigned long long)rx_addr, (unsigned long long)tx_addr,
		 (unsigned long long)bufs_addr);
}

const struct net_stack *board_net_stack(void)
{
	return have_net ? &stack : NULL;
}

const struct net_counter *board_net_link_counters(unsigned *count)
{
	*count = sizeof(link_counters) / sizeof(link_counters[0]);
	return link_counters;
}
