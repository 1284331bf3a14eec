/*
 * virtio-net (Virtual I/O Device 1.2, 5.1): Ethernet frames in and out of
 * a virtio network device, offered as the ethernet HIL
 * (kernel/hil/ethernet.h).
 *
 * Two queues, receiveq1 and transmitq1, each signalled through its own
 * MSI-X entry (so each has its own vector and pending bit, and its own
 * loop client). A fixed pool of buffers, one frame each, moves between
 * them and is never anywhere else: every buffer starts in the receive
 * queue; one the device filled is lent to the client, which may answer in
 * place; the answer goes to the transmit queue in the same buffer (no
 * copy), and when the device has sent it, the buffer goes back to the
 * receive queue. A frame the client does not answer goes back at once.
 * The pool is no larger than either queue, so a queue can never be short
 * of room for a buffer; the driver still checks, and counts a refusal
 * under ring_full (the frame is then dropped, its buffer received into
 * again).
 *
 * Features: VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC only: no checksum or
 * segmentation offloads, no merged receive buffers, no control queue. So
 * each buffer starts with the 12-byte struct virtio_net_hdr, which the
 * driver zeroes on the way out (no offload asked for) and ignores on the
 * way in, and holds one whole frame.
 */
#ifndef KNOCK_CAPSULES_VIRTIO_NET_H
#define KNOCK_CAPSULES_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtqueue.h"
#include "kernel/hil/ethernet.h"
#include "kernel/hil/virtio.h"

#define VIRTIO_NET_QUEUE_SIZE 64
#define VIRTIO_NET_BUF_BYTES 2048 /* the header and a 1514-byte frame, with room */
#define VIRTIO_NET_HDR_BYTES 12
#define VIRTIO_NET_F_MAC (1ull << 5)

struct virtio_net_stats {
	uint64_t rx_frames;   /* buffers the device filled */
	uint64_t tx_frames;   /* answers handed to the device */
	uint64_t tx_done;     /* answers the device has sent */
	uint64_t rx_services; /* times the loop ran the receive client */
	uint64_t tx_services; /* times the loop ran the transmit client */
	uint64_t ring_full;   /* an answer the transmit queue refused: dropped */
	uint64_t runt;        /* a used length shorter than the virtio-net header: dropped */
	uint64_t oversized;   /* a used length beyond the buffer: dropped, not trusted */
};

struct virtio_net {
	struct hil_virtio dev;
	struct virtq rx, tx;
	uint8_t *bufs; /* nbufs of VIRTIO_NET_BUF_BYTES, at device address bufs_addr */
	uint64_t bufs_addr;
	unsigned nbufs;
	uint8_t mac[ETH_ADDR_LEN];
	bool mac_from_device;
	bool ready;
	const struct hil_ethernet_client *client;
	struct virtio_net_stats stats;
	struct hil_ethernet hil;
};

/*
 * Start the device on `dev`: negotiate, lay the receive and transmit
 * queues out in `rx_mem` and `tx_mem` (virtq_bytes(VIRTIO_NET_QUEUE_SIZE)
 * each, device addresses rx_addr and tx_addr), signalled through MSI-X
 * entries rx_entry and tx_entry, DRIVER_OK, and give every buffer of
 * `bufs` (nbufs * VIRTIO_NET_BUF_BYTES, device address bufs_addr) to the
 * receive queue. Returns 0, or -1 with one warning (the device is then
 * left alone).
 */
int virtio_net_init(struct virtio_net *n, const struct hil_virtio *dev, void *rx_mem,
		    uint64_t rx_addr, void *tx_mem, uint64_t tx_addr, uint8_t *bufs,
		    uint64_t bufs_addr, unsigned nbufs, uint16_t rx_entry, uint16_t tx_entry);

/* The loop client of the receive queue's bit: every filled buffer to the
 * client, its answer to the transmit queue. */
void virtio_net_rx_service(void *ctx);

/* The loop client of the transmit queue's bit: sent buffers back to the
 * receive queue. */
void virtio_net_tx_service(void *ctx);

/* Both, for a device whose queues share one interrupt (its INTx line,
 * without MSI-X): the sent buffers back first, so that the receive queue
 * is as full as it can be, then what came in. */
void virtio_net_service(void *ctx);

#endif
