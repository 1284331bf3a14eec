/*
 * Starting a virtio device (virtio.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2: 3.1.1 (driver
 * initialization: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK and
 * re-read it, queues, DRIVER_OK), 2.1.1 (DEVICE_NEEDS_RESET, FAILED),
 * 6.1 (VIRTIO_F_VERSION_1).
 */
#include <stdint.h>

#include "capsules/virtio.h"
#include "kernel/log.h"

static int fail(const struct hil_virtio *d, const char *name, const char *why)
{
	log_warn("virtio-%s: %s: not driven", name, why);
	d->set_status(d->hw, VIRTIO_STATUS_FAILED);
	return -1;
}

int virtio_begin(const struct hil_virtio *d, const char *name, uint64_t wanted, uint64_t *agreed)
{
	if (d->reset(d->hw) != 0)
		return fail(d, name, "the device does not finish its reset");
	d->set_status(d->hw, VIRTIO_STATUS_ACKNOWLEDGE);
	d->set_status(d->hw, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t offered = d->device_features(d->hw);
	if (!(offered & VIRTIO_F_VERSION_1))
		return fail(d, name, "the device does not offer VIRTIO_F_VERSION_1 (legacy only)");
	uint64_t features = offered & (wanted | VIRTIO_F_VERSION_1);
	d->set_driver_features(d->hw, features);
	d->set_status(d->hw,
		      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(d->get_status(d->hw) & VIRTIO_STATUS_FEATURES_OK))
		return fail(d, name, "the device refused the features (FEATURES_OK not kept)");
	*agreed = features;
	return 0;
}

int virtio_ready(const struct hil_virtio *d, const char *name)
{
	d->set_status(d->hw, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	uint8_t status = d->get_status(d->hw);
	if (status & VIRTIO_STATUS_NEEDS_RESET)
		return fail(d, name, "the device reports DEVICE_NEEDS_RESET");
	if (!(status & VIRTIO_STATUS_DRIVER_OK))
		return fail(d, name, "the device did not keep DRIVER_OK");
	return 0;
}
