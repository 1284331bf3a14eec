/*
 * The virtio modern PCI transport: a virtio device's common configuration,
 * notification, ISR and device-specific structures, found through its
 * vendor-specific PCI capabilities and mapped uncached, handed out as a
 * struct hil_virtio (kernel/hil/virtio.h).
 */
#ifndef KNOCK_CHIPS_VIRTIO_PCI_H
#define KNOCK_CHIPS_VIRTIO_PCI_H

#include <stdint.h>

#include "chips/x86_64/pci_window.h"
#include "kernel/hil/pci.h"
#include "kernel/hil/virtio.h"

struct virtio_pci {
	pci_bdf bdf;
	struct pci_window common, notify, isr, device;
	uint32_t notify_multiplier;
};

/*
 * Find and map the structures of the virtio function `f` through `cfg`.
 * Returns 0 and fills `out`, or -1 with one warning naming what is
 * missing (a legacy-only device has none of these capabilities).
 */
int virtio_pci_open(struct virtio_pci *v, const struct hil_pci_config *cfg,
		    const struct pci_function *f, struct hil_virtio *out);

#endif
