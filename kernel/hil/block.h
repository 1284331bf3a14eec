/*
 * HIL: a block device (virtio-blk on the PC): sectors of 512 bytes read,
 * written and flushed.
 *
 * Asynchronous, several requests at a time, Tock's rule for buffers: a
 * read or write hands `buf` to the device's driver and returns 0; the
 * client's done() gets the same buffer back, later, from the loop (never
 * from inside the call). The buffer is the driver's until then, and it
 * must be memory the device reaches (on the pc board, any RAM: it is
 * mapped one to one).
 *
 * Requests in flight are bounded by the device's queue. A request that
 * finds it full is refused with HIL_BLOCK_FULL, and the client's room()
 * is called from the loop once a request has finished: the caller waits
 * for that callback, it never spins.
 */
#ifndef KNOCK_KERNEL_HIL_BLOCK_H
#define KNOCK_KERNEL_HIL_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define HIL_BLOCK_SECTOR 512

/* What read(), write() and flush() return besides 0. */
#define HIL_BLOCK_REFUSED (-1) /* out of range, read-only, too long, no device */
#define HIL_BLOCK_FULL (-2)    /* the queue is full: wait for room() */

enum hil_block_op {
	HIL_BLOCK_READ,
	HIL_BLOCK_WRITE,
	HIL_BLOCK_FLUSH
};

struct hil_block_client {
	void *ctx;
	/* A request finished: `buf` (NULL for a flush) is the caller's again.
	 * ok: the device did it; false: the device reported an error. */
	void (*done)(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t sectors,
		     int ok);
	/* A request was refused with HIL_BLOCK_FULL and there is room now. */
	void (*room)(void *ctx);
};

struct hil_block {
	void *hw;
	/* Sectors of HIL_BLOCK_SECTOR bytes. */
	uint64_t (*capacity)(void *hw);
	/* Whether the device refuses writes. */
	int (*read_only)(void *hw);
	int (*read)(void *hw, uint64_t lba, uint8_t *buf, size_t sectors);
	int (*write)(void *hw, uint64_t lba, uint8_t *buf, size_t sectors);
	/* Make every finished write durable. Refused when the device has
	 * no write cache to flush (it writes through). */
	int (*flush)(void *hw);
	void (*set_client)(void *hw, const struct hil_block_client *client);
	/* A few lines about the device (its features, its counters), without
	 * the last newline; snprintf's contract. */
	int (*describe)(void *hw, char *buf, size_t size);
};

#endif
