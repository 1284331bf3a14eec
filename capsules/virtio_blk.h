/*
 * virtio-blk (Virtual I/O Device 1.2, 5.2): the block device. One request
 * queue; a request is a chain of three buffers: a header the device reads
 * (type, sector), the data (read by the device for a write, written by it
 * for a read), and one status byte it writes. This capsule offers it as
 * the block HIL (kernel/hil/block.h).
 *
 * The headers and status bytes live in DMA memory the board lends (one
 * slot per request in flight); the data buffer is the caller's own,
 * lent to the device without a copy (the HIL's contract: memory the
 * device reaches at the address the capsule sees, which on the pc board
 * is any RAM). Requests in flight are bounded by the slots and by the
 * queue (three descriptors each); when both are taken a request is
 * refused with HIL_BLOCK_FULL and the client hears room() from the
 * service once one has finished.
 *
 * The queue's interrupt knocks on the capsule's bit; virtio_blk_service()
 * is that bit's client (through virtio_intx_service() when the device
 * interrupts through INTx).
 */
#ifndef KNOCK_CAPSULES_VIRTIO_BLK_H
#define KNOCK_CAPSULES_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtqueue.h"
#include "kernel/hil/block.h"
#include "kernel/hil/virtio.h"

#define VIRTIO_BLK_QUEUE_SIZE 16
#define VIRTIO_BLK_SLOTS 8         /* requests in flight, at most */
#define VIRTIO_BLK_MAX_SECTORS 256 /* per request: 128 KiB */

/* Feature bits (5.2.3) knock knows. */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

/* What the device reads and writes around each request (5.2.6). */
struct virtio_blk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	uint8_t status;
	uint8_t pad[15];
};

struct virtio_blk_slot {
	bool busy;
	enum hil_block_op op;
	uint64_t lba;
	uint8_t *buf;
	size_t sectors;
};

struct virtio_blk_stats {
	uint64_t reads, writes, flushes; /* requests handed to the device */
	uint64_t sectors_read, sectors_written;
	uint64_t full;     /* refused with HIL_BLOCK_FULL */
	uint64_t refused;  /* refused for a bad request */
	uint64_t errors;   /* the device answered with an error status */
	uint64_t services; /* times the loop ran virtio_blk_service() */
};

struct virtio_blk {
	struct hil_virtio dev;
	struct virtq q;
	struct virtio_blk_req *reqs; /* VIRTIO_BLK_SLOTS of them, in DMA memory */
	uint64_t reqs_addr;
	struct virtio_blk_slot slot[VIRTIO_BLK_SLOTS];
	unsigned slots; /* usable: VIRTIO_BLK_SLOTS, or fewer for a small queue */
	unsigned in_flight;
	uint64_t capacity;        /* sectors */
	uint64_t offered, agreed; /* feature bits */
	bool ready;
	bool waiting; /* a request was refused for a full queue: room() owed */

	const struct hil_block_client *client;
	struct virtio_blk_stats stats;
	struct hil_block hil;
};

/* Bytes of DMA memory init() needs for the request headers. */
#define VIRTIO_BLK_REQ_BYTES (VIRTIO_BLK_SLOTS * sizeof(struct virtio_blk_req))

/*
 * Start the device on `dev`: negotiate (read-only and flush taken when
 * offered), read the capacity, lay the queue out in `queue_mem`
 * (virtq_bytes(VIRTIO_BLK_QUEUE_SIZE) bytes at device address
 * `queue_addr`), signalled through MSI-X entry `msix_entry`
 * (VIRTIO_NO_VECTOR: INTx), and DRIVER_OK. `reqs` is VIRTIO_BLK_REQ_BYTES
 * at device address `reqs_addr`. Returns 0, or -1 with one warning line.
 */
int virtio_blk_init(struct virtio_blk *b, const struct hil_virtio *dev, void *queue_mem,
		    uint64_t queue_addr, void *reqs, uint64_t reqs_addr, uint16_t msix_entry);

/* The loop client of the queue's bit: hand back what the device finished. */
void virtio_blk_service(void *ctx);

#endif
