/*
 * Host fake of a block device (kernel/hil/block.h) for the tests and the
 * fuzzer of the block syscall driver: a disk of `sectors` that keeps the
 * reads it is given, up to `queue` at a time, until the test finishes
 * them (fake_block_take(), then the client's done()); a read past that,
 * or any read while `full`, is refused with HIL_BLOCK_FULL and owed its
 * room() (fake_block_room()); every read is refused with
 * HIL_BLOCK_REFUSED while `refuse`. A write fails the test: the driver
 * only reads. What lands in the buffers is the test's.
 *
 * Only cmocka's mock_assert(): the fuzz harnesses link this too.
 */
#ifndef KNOCK_TEST_FAKE_BLOCK_H
#define KNOCK_TEST_FAKE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/block.h"

#define FAKE_BLOCK_MAX_QUEUE 8

struct fake_block_req {
	uint64_t lba;
	uint8_t *buf;
	size_t sectors;
};

struct fake_block {
	struct hil_block hil; /* hil.hw points back at this fake */
	const struct hil_block_client *client;
	uint64_t sectors;                                /* the capacity */
	unsigned queue;                                  /* reads it keeps at most */
	struct fake_block_req out[FAKE_BLOCK_MAX_QUEUE]; /* oldest first */
	unsigned n_out;
	unsigned fulls; /* reads refused with HIL_BLOCK_FULL */
	bool full;      /* refuse every read with HIL_BLOCK_FULL */
	bool refuse;    /* refuse every read with HIL_BLOCK_REFUSED */
	bool owed_room; /* a FULL is owed its room() */
};

void fake_block_init(struct fake_block *b, uint64_t sectors, unsigned queue);

/* The hil's read(), for a test that checks more around it. */
int fake_block_read(void *hw, uint64_t lba, uint8_t *buf, size_t sectors);

/* The oldest read out, taken off the queue (fails the test if none). */
struct fake_block_req fake_block_take(struct fake_block *b);

/* Gives the room() owed, unless the device is still full. */
void fake_block_room(struct fake_block *b);

#endif
