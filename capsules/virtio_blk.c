/*
 * virtio-blk (virtio_blk.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, 5.2: 5.2.3 (feature
 * bits), 5.2.4 (configuration: capacity in 512-byte sectors at offset 0,
 * whatever the block size), 5.2.6 (requests: type IN 0, OUT 1, FLUSH 4;
 * status OK 0, IOERR 1, UNSUPP 2; the header device-readable, the status
 * byte device-writable and last).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtio.h"
#include "capsules/virtio_blk.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define REQUESTQ 0
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define CONFIG_CAPACITY 0
#define DESCS_PER_REQUEST 3

static struct virtio_blk_slot *free_slot(struct virtio_blk *b, unsigned *index)
{
	for (unsigned i = 0; i < b->slots; i++) {
		if (!b->slot[i].busy) {
			*index = i;
			return &b->slot[i];
		}
	}
	return NULL;
}

/* Hand one request to the device: header, data (none for a flush), status. */
static int submit(struct virtio_blk *b, enum hil_block_op op, uint64_t lba, uint8_t *buf,
		  size_t sectors)
{
	unsigned i;
	struct virtio_blk_slot *s = free_slot(b, &i);
	if (!s) {
		b->stats.full++;
		b->waiting = true;
		return HIL_BLOCK_FULL;
	}
	struct virtio_blk_req *r = &b->reqs[i];
	uint64_t r_addr = b->reqs_addr + i * sizeof(*r);
	r->type = op == HIL_BLOCK_READ ? T_IN : op == HIL_BLOCK_WRITE ? T_OUT : T_FLUSH;
	r->reserved = 0;
	r->sector = lba;
	r->status = 0xff; /* not one the device writes: an answer without it shows */
	struct virtq_buf bufs[DESCS_PER_REQUEST] = {
		{ .addr = r_addr, .len = 16, .device_writes = false },
		{ .addr = (uint64_t)(uintptr_t)buf,
		  .len = (uint32_t)(sectors * HIL_BLOCK_SECTOR),
		  .device_writes = op == HIL_BLOCK_READ },
		{ .addr = r_addr + offsetof(struct virtio_blk_req, status),
		  .len = 1,
		  .device_writes = true },
	};
	if (op == HIL_BLOCK_FLUSH)
		bufs[1] = bufs[2];
	if (virtq_add(&b->q, bufs, op == HIL_BLOCK_FLUSH ? 2 : 3, s) != 0) {
		b->stats.full++; /* the slots are fewer than the queue allows: not expected */
		b->waiting = true;
		return HIL_BLOCK_FULL;
	}
	*s = (struct virtio_blk_slot){
		.busy = true, .op = op, .lba = lba, .buf = buf, .sectors = sectors
	};
	b->in_flight++;
	if (virtq_kick_needed(&b->q))
		b->dev.notify(b->dev.hw, REQUESTQ);
	return 0;
}

static int transfer(struct virtio_blk *b, enum hil_block_op op, uint64_t lba, uint8_t *buf,
		    size_t sectors)
{
	if (!b->ready || !buf || sectors == 0 || sectors > VIRTIO_BLK_MAX_SECTORS ||
	    lba >= b->capacity || sectors > b->capacity - lba ||
	    (op == HIL_BLOCK_WRITE && (b->agreed & VIRTIO_BLK_F_RO))) {
		b->stats.refused++;
		return HIL_BLOCK_REFUSED;
	}
	int rc = submit(b, op, lba, buf, sectors);
	if (rc == 0) {
		if (op == HIL_BLOCK_READ) {
			b->stats.reads++;
			b->stats.sectors_read += sectors;
		} else {
			b->stats.writes++;
			b->stats.sectors_written += sectors;
		}
	}
	return rc;
}

static int blk_read(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	return transfer(hw, HIL_BLOCK_READ, lba, buf, sectors);
}

static int blk_write(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	return transfer(hw, HIL_BLOCK_WRITE, lba, buf, sectors);
}

static int blk_flush(void *hw)
{
	struct virtio_blk *b = hw;
	if (!b->ready || !(b->agreed & VIRTIO_BLK_F_FLUSH)) {
		b->stats.refused++;
		return HIL_BLOCK_REFUSED;
	}
	int rc = submit(b, HIL_BLOCK_FLUSH, 0, NULL, 0);
	if (rc == 0)
		b->stats.flushes++;
	return rc;
}

static uint64_t blk_capacity(void *hw)
{
	const struct virtio_blk *b = hw;
	return b->ready ? b->capacity : 0;
}

static int blk_read_only(void *hw)
{
	const struct virtio_blk *b = hw;
	return (b->agreed & VIRTIO_BLK_F_RO) != 0;
}

static void blk_set_client(void *hw, const struct hil_block_client *client)
{
	struct virtio_blk *b = hw;
	b->client = client;
}

static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ VIRTIO_BLK_F_SIZE_MAX, "size_max" },
	{ VIRTIO_BLK_F_SEG_MAX, "seg_max" },
	{ VIRTIO_BLK_F_RO, "ro" },
	{ VIRTIO_BLK_F_BLK_SIZE, "blk_size" },
	{ VIRTIO_BLK_F_FLUSH, "flush" },
	{ VIRTIO_F_VERSION_1, "version_1" },
};

static int names(char *buf, size_t size, uint64_t bits)
{
	size_t n = 0;
	for (unsigned i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(bits & feature_names[i].bit))
			continue;
		if (n >= size)
			break;
		int k = ksnprintf(buf + n, size - n, "%s%s", n ? " " : "", feature_names[i].name);
		n += k > 0 ? (size_t)k : 0;
	}
	if (n == 0 && size)
		buf[0] = 0;
	return (int)n;
}

static int blk_describe(void *hw, char *buf, size_t size)
{
	const struct virtio_blk *b = hw;
	char offered[96], taken[64];
	names(offered, sizeof(offered), b->offered);
	names(taken, sizeof(taken), b->agreed);
	const struct virtio_blk_stats *st = &b->stats;
	return ksnprintf(buf, size,
			 "features offered 0x%llx (%s), taken 0x%llx (%s)\n"
			 "requests: %llu reads (%llu sectors), %llu writes (%llu sectors), %llu "
			 "flushes; %llu refused for a full queue, %llu refused, %llu device errors",
			 (unsigned long long)b->offered, offered, (unsigned long long)b->agreed,
			 taken, (unsigned long long)st->reads, (unsigned long long)st->sectors_read,
			 (unsigned long long)st->writes, (unsigned long long)st->sectors_written,
			 (unsigned long long)st->flushes, (unsigned long long)st->full,
			 (unsigned long long)st->refused, (unsigned long long)st->errors);
}

void virtio_blk_service(void *ctx)
{
	struct virtio_blk *b = ctx;
	struct virtio_blk_slot *s;
	uint32_t len;

	b->stats.services++;
	while ((s = virtq_get_used(&b->q, &len))) {
		struct virtio_blk_slot done = *s;
		int ok = b->reqs[s - b->slot].status == S_OK;
		s->busy = false;
		b->in_flight--;
		if (!ok)
			b->stats.errors++;
		if (b->client)
			b->client->done(b->client->ctx, done.op, done.lba, done.buf, done.sectors,
					ok);
	}
	/* Room is owed only to a caller that was refused, and only once a
	 * request has left (a refused caller that tries again in room() and
	 * is refused again waits for the next one). */
	if (b->waiting && b->in_flight < b->slots) {
		b->waiting = false;
		if (b->client && b->client->room)
			b->client->room(b->client->ctx);
	}
}

int virtio_blk_init(struct virtio_blk *b, const struct hil_virtio *dev, void *queue_mem,
		    uint64_t queue_addr, void *reqs, uint64_t reqs_addr, uint16_t msix_entry)
{
	memset(b, 0, sizeof(*b));
	b->dev = *dev;
	b->reqs = reqs;
	b->reqs_addr = reqs_addr;
	b->hil = (struct hil_block){ .hw = b,
				     .capacity = blk_capacity,
				     .read_only = blk_read_only,
				     .read = blk_read,
				     .write = blk_write,
				     .flush = blk_flush,
				     .set_client = blk_set_client,
				     .describe = blk_describe };
	b->offered = dev->device_features(dev->hw);
	if (virtio_begin(dev, "blk", VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH, &b->agreed) != 0)
		return -1;
	uint16_t max = dev->queue_max(dev->hw, REQUESTQ);
	uint16_t size = VIRTIO_BLK_QUEUE_SIZE;
	while (size > max)
		size /= 2;
	if (size < DESCS_PER_REQUEST) {
		log_warn("virtio-blk: the device's request queue holds %u descriptors, fewer than "
			 "one request needs: not driven",
			 max);
		dev->set_status(dev->hw, VIRTIO_STATUS_FAILED);
		return -1;
	}
	b->slots = size / DESCS_PER_REQUEST < VIRTIO_BLK_SLOTS ? size / DESCS_PER_REQUEST :
								 VIRTIO_BLK_SLOTS;
	if (virtq_init(&b->q, REQUESTQ, size, queue_mem, queue_addr) != 0 ||
	    dev->queue_setup(dev->hw, REQUESTQ, size, b->q.desc_addr, b->q.avail_addr,
			     b->q.used_addr, msix_entry) != 0) {
		log_warn("virtio-blk: the device did not take its queue: not driven");
		dev->set_status(dev->hw, VIRTIO_STATUS_FAILED);
		return -1;
	}
	b->capacity = dev->config_read(dev->hw, CONFIG_CAPACITY, 8);
	if (virtio_ready(dev, "blk") != 0)
		return -1;
	memset(reqs, 0, VIRTIO_BLK_REQ_BYTES);
	b->ready = true;
	log_info("virtio-blk: ready, %llu sectors (%llu KiB)%s, queue of %u, %u requests in flight",
		 (unsigned long long)b->capacity, (unsigned long long)(b->capacity / 2),
		 (b->agreed & VIRTIO_BLK_F_RO) ? ", read-only" : "", size, b->slots);
	return 0;
}
