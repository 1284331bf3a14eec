/*
 * virtio-rng (virtio_rng.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, 5.4 (entropy device: one
 * requestq, device-writable buffers, no feature bits, no configuration).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/virtio.h"
#include "capsules/virtio_rng.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define REQUESTQ 0

/* Lend the DMA buffer to the device for what is still missing. */
static void submit(struct virtio_rng *r)
{
	size_t missing = r->want_len - r->have;
	struct virtq_buf b = {
		.addr = r->dma_addr,
		.len = (uint32_t)(missing < r->dma_len ? missing : r->dma_len),
		.device_writes = true,
	};
	if (virtq_add(&r->q, &b, 1, r) != 0)
		return; /* cannot happen: one buffer, never more than one out */
	r->out = true;
	r->stats.submitted++;
	if (virtq_kick_needed(&r->q))
		r->dev.notify(r->dev.hw, REQUESTQ);
}

static int get(void *hw, uint8_t *buf, size_t len)
{
	struct virtio_rng *r = hw;
	if (!r->ready || r->want || len == 0 || !buf)
		return -1;
	r->stats.requests++;
	r->want = buf;
	r->want_len = len;
	r->have = 0;
	submit(r);
	return 0;
}

static void set_client(void *hw, const struct hil_rng_client *client)
{
	struct virtio_rng *r = hw;
	r->client = client;
}

void virtio_rng_service(void *ctx)
{
	struct virtio_rng *r = ctx;
	uint32_t len;

	r->stats.services++;
	while (virtq_get_used(&r->q, &len)) {
		r->out = false;
		if (!r->want)
			continue;
		size_t missing = r->want_len - r->have;
		if (len > missing || len > r->dma_len)
			len = (uint32_t)(missing < r->dma_len ? missing : r->dma_len);
		memcpy(r->want + r->have, r->dma, len);
		r->have += len;
		r->stats.bytes += len;
	}
	if (!r->want || r->out)
		return;
	if (r->have < r->want_len) {
		submit(r); /* a short answer: ask again for the rest */
		return;
	}
	uint8_t *buf = r->want;
	size_t n = r->want_len;
	r->want = NULL;
	if (r->client)
		r->client->ready(r->client->ctx, buf, n);
}

int virtio_rng_init(struct virtio_rng *r, const struct hil_virtio *dev, void *queue_mem,
		    uint64_t queue_addr, uint8_t *dma, uint64_t dma_addr, size_t dma_len,
		    uint16_t msix_entry)
{
	uint64_t agreed;

	memset(r, 0, sizeof(*r));
	r->dev = *dev;
	r->dma = dma;
	r->dma_addr = dma_addr;
	r->dma_len = dma_len;
	r->hil = (struct hil_rng){ .hw = r, .get = get, .set_client = set_client };
	if (virtio_begin(dev, "rng", 0, &agreed) != 0)
		return -1;
	uint16_t max = dev->queue_max(dev->hw, REQUESTQ);
	uint16_t size = VIRTIO_RNG_QUEUE_SIZE;
	while (size > max)
		size /= 2;
	if (size == 0) {
		log_warn("virtio-rng: the device has no request queue: not driven");
		dev->set_status(dev->hw, VIRTIO_STATUS_FAILED);
		return -1;
	}
	if (virtq_init(&r->q, REQUESTQ, size, queue_mem, queue_addr) != 0 ||
	    dev->queue_setup(dev->hw, REQUESTQ, size, r->q.desc_addr, r->q.avail_addr,
			     r->q.used_addr, msix_entry) != 0) {
		log_warn(
			"virtio-rng: the device did not take its queue (MSI-X entry %u): not driven",
			msix_entry);
		dev->set_status(dev->hw, VIRTIO_STATUS_FAILED);
		return -1;
	}
	if (virtio_ready(dev, "rng") != 0)
		return -1;
	r->ready = true;
	log_info("virtio-rng: ready, queue of %u", size);
	return 0;
}
