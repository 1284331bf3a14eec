/*
 * Host fake of a virtio device's transport (kernel/hil/virtio.h) for the
 * tests of the virtio capsules: the status byte, the feature bits and up
 * to FAKE_VIRTIO_MAX_QUEUES queues, as a device keeps them, with the ways
 * a device can refuse a driver (FEATURES_OK not kept, DEVICE_NEEDS_RESET,
 * a reset that never ends, an MSI-X entry not taken). What the device
 * does with its queues is the test's: notify() calls the test's
 * `notified` once counted, and the configuration and the ISR status are
 * read through the test's `config_read` and `isr` (a read the test gave
 * none for fails it). fake_virtio_take() and fake_virtio_used() walk a
 * queue the capsule set up, as a device would.
 *
 * Only cmocka's mock_assert(): the fuzz harnesses link this too.
 */
#ifndef KNOCK_TEST_FAKE_VIRTIO_H
#define KNOCK_TEST_FAKE_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/virtqueue.h"
#include "kernel/hil/virtio.h"

#define FAKE_VIRTIO_MAX_QUEUES 2

/* One queue, as queue_setup() left it. */
struct fake_virtq {
	uint16_t max; /* what queue_max() says (0: no such queue) */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t size, last_avail, msix_entry;
	unsigned notifies;
};

struct fake_virtio {
	struct hil_virtio hil; /* hil.hw points back at this fake */
	unsigned nqueues;      /* queues the device has: q[0] to q[nqueues - 1] */
	uint8_t status;
	uint8_t statuses[16]; /* every status the driver wrote, the first 16 */
	unsigned status_writes;
	uint64_t offered, accepted; /* feature bits */
	bool keep_features_ok;      /* true after fake_virtio_init() */
	bool needs_reset;           /* DRIVER_OK sets DEVICE_NEEDS_RESET too */
	bool reset_hangs;           /* reset() never ends */
	bool refuse_vector;         /* queue_setup() does not take the MSI-X entry */
	struct fake_virtq q[FAKE_VIRTIO_MAX_QUEUES];
	/* The test's device. */
	void (*notified)(uint16_t q);
	uint64_t (*config_read)(uint32_t offset, unsigned width);
	uint8_t (*isr)(void);
};

/* A device with `nqueues` queues, all else zero (no features offered, no
 * queue sizes, no hooks) but keep_features_ok. */
void fake_virtio_init(struct fake_virtio *v, unsigned nqueues);

/* The next chain the driver made available in `q`: its head, or false
 * when the device has taken them all. */
bool fake_virtio_take(struct fake_virtq *q, uint16_t *head);

/* Buffers made available in `q` and not taken yet. */
unsigned fake_virtio_available(const struct fake_virtq *q);

/* The device is done with the chain at `head`, having written `len`
 * bytes into it: the next used element. */
void fake_virtio_used(struct fake_virtq *q, uint16_t head, uint32_t len);

#endif
