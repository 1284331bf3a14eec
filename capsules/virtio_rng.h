/*
 * virtio-rng (Virtual I/O Device 1.2, 5.4): the entropy device. One queue;
 * the driver lends it a buffer the device may write, and gets it back with
 * random bytes in it. This capsule offers them as the rng HIL
 * (kernel/hil/rng.h): a request is filled in the capsule's own DMA buffer
 * (the board gives its device address) and copied to the caller's, so the
 * caller's memory never has to be reachable by the device. A device that
 * hands back fewer bytes than asked is asked again for the rest.
 *
 * The queue's MSI-X vector knocks on the capsule's bit; virtio_rng_service()
 * is that bit's client.
 */
#ifndef KNOCK_CAPSULES_VIRTIO_RNG_H
#define KNOCK_CAPSULES_VIRTIO_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtqueue.h"
#include "kernel/hil/rng.h"
#include "kernel/hil/virtio.h"

#define VIRTIO_RNG_QUEUE_SIZE 8

struct virtio_rng_stats {
	uint64_t requests;  /* get() calls taken */
	uint64_t submitted; /* buffers handed to the device */
	uint64_t bytes;     /* bytes the device wrote */
	uint64_t services;  /* times the loop ran virtio_rng_service() */
};

struct virtio_rng {
	struct hil_virtio dev;
	struct virtq q;
	uint8_t *dma; /* the device's to write while a buffer is out */
	uint64_t dma_addr;
	size_t dma_len;
	bool ready;

	const struct hil_rng_client *client;
	uint8_t *want; /* the caller's buffer, while a request is under way */
	size_t want_len, have;
	bool out; /* the DMA buffer is with the device */

	struct virtio_rng_stats stats;
	struct hil_rng hil;
};

/*
 * Start the device on `dev`: negotiate, lay the queue out in `queue_mem`
 * (virtq_bytes(VIRTIO_RNG_QUEUE_SIZE) bytes, device address `queue_addr`),
 * signalled through MSI-X entry `msix_entry`, and DRIVER_OK. `dma` is
 * dma_len bytes the device writes, at device address `dma_addr`. Returns
 * 0, or -1 with one warning line (the device is then left alone).
 */
int virtio_rng_init(struct virtio_rng *r, const struct hil_virtio *dev, void *queue_mem,
		    uint64_t queue_addr, uint8_t *dma, uint64_t dma_addr, size_t dma_len,
		    uint16_t msix_entry);

/* The loop client of the queue's bit: take what the device finished. */
void virtio_rng_service(void *ctx);

#endif
