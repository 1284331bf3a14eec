/*
 * The split virtqueue (virtqueue.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2: 2.7 (split virtqueues),
 * 2.7.5 (descriptor table), 2.7.6 (available ring), 2.7.8 (used ring),
 * 2.7.13 (supplying buffers: the barrier before the index update), 2.7.14
 * (receiving used buffers), 2.7.7 and 2.7.10 (notification suppression).
 *
 * Memory ordering. The device is another agent reading and writing the
 * same memory, so:
 * - the descriptors and the ring slot must be visible before the new
 *   avail->idx that tells the device to look at them (the spec's "write
 *   memory barrier" before the index update);
 * - avail->idx must be visible before the driver reads whether the device
 *   wants a notification (used->flags): a store then a load, the one
 *   reordering an x86 CPU does;
 * - used->idx is read with acquire, so the used entries it covers are read
 *   after it, never a stale copy from before.
 * avail->idx is therefore stored sequentially consistent (a release for
 * what came before; on x86 an `xchg`, which is also a full barrier against
 * the load that follows) and used->flags loaded sequentially consistent.
 * These are C11 atomics, which the compiler maps to the target; no asm.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtqueue.h"
#include "kernel/log.h"
#include "kernel/string.h"

static size_t avail_offset(uint16_t size)
{
	return sizeof(struct virtq_desc) * size;
}

static size_t used_offset(uint16_t size)
{
	size_t end = avail_offset(size) + sizeof(struct virtq_avail) + (size_t)2 * size +
		     2; /* used_event */
	return (end + 3) & ~(size_t)3;
}

size_t virtq_bytes(uint16_t size)
{
	return used_offset(size) + sizeof(struct virtq_used) +
	       sizeof(struct virtq_used_elem) * size + 2; /* avail_event */
}

int virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem, uint64_t mem_addr)
{
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1))) {
		log_warn("virtq %u: size %u is not a power of two up to %u", index, size,
			 VIRTQ_MAX_SIZE);
		return -1;
	}
	if ((uintptr_t)mem % 16 || mem_addr % 16) {
		log_warn("virtq %u: its memory is not 16-byte aligned", index);
		return -1;
	}
	memset(q, 0, sizeof(*q));
	memset(mem, 0, virtq_bytes(size));
	q->size = size;
	q->index = index;
	q->desc = mem;
	q->avail = (struct virtq_avail *)((uint8_t *)mem + avail_offset(size));
	q->used = (struct virtq_used *)((uint8_t *)mem + used_offset(size));
	q->desc_addr = mem_addr;
	q->avail_addr = mem_addr + avail_offset(size);
	q->used_addr = mem_addr + used_offset(size);
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = size;
	return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *token)
{
	if (n == 0 || !token || n > q->num_free) {
		q->stats.full++;
		return -1;
	}
	uint16_t head = q->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		struct virtq_desc *e = &q->desc[d];
		e->addr = bufs[i].addr;
		e->len = bufs[i].len;
		e->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (i + 1 < n)
			d = e->next; /* the free list's next is the chain's next */
		else
			q->free_head = e->next;
	}
	q->num_free = (uint16_t)(q->num_free - n);
	q->token[head] = token;
	q->chain_len[head] = (uint16_t)n;

	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	q->avail_idx++;
	/* Descriptors and slot before idx, and idx before the flags read in
	 * virtq_kick_needed(). */
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_SEQ_CST);
	q->stats.added++;
	return 0;
}

bool virtq_kick_needed(const struct virtq *q)
{
	return !(__atomic_load_n(&q->used->flags, __ATOMIC_SEQ_CST) & VIRTQ_USED_F_NO_NOTIFY);
}

void *virtq_get_used(struct virtq *q, uint32_t *len)
{
	for (;;) {
		uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
		if (used_idx == q->last_used)
			return NULL;
		const struct virtq_used_elem *u = &q->used->ring[q->last_used & (q->size - 1)];
		uint32_t id = u->id, written = u->len;
		q->last_used++;
		if (id >= q->size || !q->token[id]) {
			/* A device bug, or a hostile one: never free what
			 * is not outstanding. */
			q->stats.bad_used++;
			log_warn("virtq %u: the device used descriptor %u, which it was not given",
				 q->index, id);
			continue;
		}
		void *token = q->token[id];
		uint16_t n = q->chain_len[id], last = (uint16_t)id;
		for (uint16_t i = 1; i < n; i++)
			last = q->desc[last].next;
		q->desc[last].next = q->free_head;
		q->free_head = (uint16_t)id;
		q->num_free = (uint16_t)(q->num_free + n);
		q->token[id] = NULL;
		q->stats.used++;
		*len = written;
		return token;
	}
}
