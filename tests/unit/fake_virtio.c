/* A virtio device's transport, for tests (see fake_virtio.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fake_virtio.h"

static int reset(void *hw)
{
	struct fake_virtio *v = hw;
	if (v->reset_hangs)
		return -1;
	v->status = 0;
	return 0;
}

static uint8_t get_status(void *hw)
{
	struct fake_virtio *v = hw;
	return v->status;
}

static void set_status(void *hw, uint8_t s)
{
	struct fake_virtio *v = hw;
	if (v->status_writes < sizeof(v->statuses))
		v->statuses[v->status_writes++] = s;
	if ((s & VIRTIO_STATUS_FEATURES_OK) && !v->keep_features_ok)
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	if ((s & VIRTIO_STATUS_DRIVER_OK) && v->needs_reset)
		s |= VIRTIO_STATUS_NEEDS_RESET;
	v->status = s;
}

static uint64_t device_features(void *hw)
{
	struct fake_virtio *v = hw;
	return v->offered;
}

static void set_driver_features(void *hw, uint64_t f)
{
	struct fake_virtio *v = hw;
	v->accepted = f;
}

static uint16_t queue_max(void *hw, uint16_t q)
{
	struct fake_virtio *v = hw;
	return q < v->nqueues ? v->q[q].max : 0;
}

static int queue_setup(void *hw, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
		       uint64_t used, uint16_t msix_entry)
{
	struct fake_virtio *v = hw;
	mock_assert(q < v->nqueues, "queue_setup: a queue the device has", __FILE__, __LINE__);
	if (v->refuse_vector)
		return -1;
	struct fake_virtq *fq = &v->q[q];
	fq->size = size;
	fq->desc = (struct virtq_desc *)(uintptr_t)desc;
	fq->avail = (struct virtq_avail *)(uintptr_t)avail;
	fq->used = (struct virtq_used *)(uintptr_t)used;
	fq->msix_entry = msix_entry;
	return 0;
}

static void notify(void *hw, uint16_t q)
{
	struct fake_virtio *v = hw;
	mock_assert(q < v->nqueues, "notify: a queue the device has", __FILE__, __LINE__);
	v->q[q].notifies++;
	if (v->notified)
		v->notified(q);
}

static uint64_t config_read(void *hw, uint32_t offset, unsigned width)
{
	struct fake_virtio *v = hw;
	mock_assert(v->config_read != NULL, "config_read: the device has a configuration", __FILE__,
		    __LINE__);
	return v->config_read(offset, width);
}

static uint8_t isr(void *hw)
{
	struct fake_virtio *v = hw;
	mock_assert(v->isr != NULL, "isr: the device has an ISR status", __FILE__, __LINE__);
	return v->isr();
}

void fake_virtio_init(struct fake_virtio *v, unsigned nqueues)
{
	mock_assert(nqueues <= FAKE_VIRTIO_MAX_QUEUES, "nqueues <= FAKE_VIRTIO_MAX_QUEUES",
		    __FILE__, __LINE__);
	memset(v, 0, sizeof(*v));
	v->hil = (struct hil_virtio){
		.hw = v,
		.reset = reset,
		.get_status = get_status,
		.set_status = set_status,
		.device_features = device_features,
		.set_driver_features = set_driver_features,
		.queue_max = queue_max,
		.queue_setup = queue_setup,
		.notify = notify,
		.config_read = config_read,
		.isr = isr,
	};
	v->nqueues = nqueues;
	v->keep_features_ok = true;
}

bool fake_virtio_take(struct fake_virtq *q, uint16_t *head)
{
	if (q->last_avail == q->avail->idx)
		return false;
	*head = q->avail->ring[q->last_avail++ % q->size];
	return true;
}

unsigned fake_virtio_available(const struct fake_virtq *q)
{
	return (uint16_t)(q->avail->idx - q->last_avail);
}

void fake_virtio_used(struct fake_virtq *q, uint16_t head, uint32_t len)
{
	struct virtq_used_elem *u = &q->used->ring[q->used->idx % q->size];
	u->id = head;
	u->len = len;
	q->used->idx++;
}
