/*
 * The virtio split virtqueue (Virtual I/O Device 1.2, 2.7): a descriptor
 * table, the available ring the driver fills and the used ring the device
 * fills, in memory both share. Portable: it knows buffers only by their
 * device addresses and a token, and reaches the device through nothing
 * (the transport notifies it), so host tests drive it against a fake
 * device (tests/unit/test_virtqueue.c).
 *
 * Ownership follows Tock's rule: a buffer handed to virtq_add() belongs to
 * the device until virtq_get_used() returns its token; the caller must not
 * touch it meanwhile, and gets each token back exactly once.
 *
 * The rings' indices are free-running 16-bit counters (they wrap from
 * 65535 to 0); a slot is the index modulo the queue size, a power of two.
 */
#ifndef KNOCK_CAPSULES_VIRTQUEUE_H
#define KNOCK_CAPSULES_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer */

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain */
	uint32_t len; /* bytes the device wrote */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

#define VIRTQ_USED_F_NO_NOTIFY 1

/* One buffer of a request: its device address and length, and whether
 * the device writes it (else reads it). */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool device_writes;
};

struct virtq_stats {
	uint64_t added;    /* chains made available */
	uint64_t used;     /* chains the device gave back */
	uint64_t full;     /* virtq_add() refused: not enough free descriptors */
	uint64_t bad_used; /* used entries naming no outstanding chain: ignored */
};

struct virtq {
	uint16_t size;
	uint16_t index; /* the queue's number on its device */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_addr, avail_addr, used_addr; /* device addresses */

	uint16_t free_head; /* free descriptors, chained through next */
	uint16_t num_free;
	uint16_t avail_idx;                 /* the next avail->idx to publish */
	uint16_t last_used;                 /* used->idx up to which entries were taken */
	void *token[VIRTQ_MAX_SIZE];        /* per chain head; NULL: not outstanding */
	uint16_t chain_len[VIRTQ_MAX_SIZE]; /* descriptors in the chain at that head */
	struct virtq_stats stats;
};

/* Bytes of shared memory a queue of `size` needs (descriptor table, then
 * the available ring, then the used ring at a 4-byte boundary). */
size_t virtq_bytes(uint16_t size);

/*
 * Lay a queue of `size` (a power of two, 1 to VIRTQ_MAX_SIZE) out in
 * `mem` (virtq_bytes(size) bytes, zeroed here, 16-byte aligned), which the
 * device sees at `mem_addr`. Returns 0, or -1 with a warning for a bad
 * size or alignment.
 */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem, uint64_t mem_addr);

/*
 * Make a request of `n` buffers available to the device as one chain,
 * with `token` (not NULL) to give back when the device is done with it.
 * Returns 0, or -1 if fewer than `n` descriptors are free (the caller
 * waits for a completion; nothing is spun on). Then call virtq_kick_needed()
 * and notify the device if it says so.
 */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *token);

/* Whether the device wants a notification now (it may ask not to). */
bool virtq_kick_needed(const struct virtq *q);

/*
 * The next request the device has finished, oldest first: its token, and
 * in *len the bytes the device wrote. NULL when there is none. Its
 * descriptors are free again when this returns.
 */
void *virtq_get_used(struct virtq *q, uint32_t *len);

#endif
