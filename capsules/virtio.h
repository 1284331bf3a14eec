/*
 * The start of every virtio driver (Virtual I/O Device 1.2, 3.1.1): reset
 * the device, say a driver is here, agree on features, and, once the
 * queues are set up, say the driver is ready. Portable, over the transport
 * HIL (kernel/hil/virtio.h). A device that refuses is left FAILED and its
 * driver says so in one line.
 */
#ifndef KNOCK_CAPSULES_VIRTIO_H
#define KNOCK_CAPSULES_VIRTIO_H

#include <stdint.h>

#include "kernel/hil/virtio.h"

/*
 * Reset, ACKNOWLEDGE, DRIVER, then offer `wanted` & what the device has
 * (VIRTIO_F_VERSION_1 is required: knock drives only modern devices) and
 * set FEATURES_OK. Returns 0 with the agreed features in *agreed, or -1
 * with a warning "virtio-<name>: ..." and the device FAILED.
 */
int virtio_begin(const struct hil_virtio *d, const char *name, uint64_t wanted, uint64_t *agreed);

/* DRIVER_OK, then check the device did not ask for a reset or fail.
 * Returns 0, or -1 with a warning. */
int virtio_ready(const struct hil_virtio *d, const char *name);

#endif
