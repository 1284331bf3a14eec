/*
 * HIL: a virtio device's transport, as its driver capsule sees it: status,
 * feature bits, and queues. The PC's is the modern PCI transport
 * (chips/x86_64/virtio_pci.h); host tests use fakes.
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, 2.1 (device status),
 * 2.2 (feature bits), 3.1.1 (driver initialization).
 */
#ifndef KNOCK_KERNEL_HIL_VIRTIO_H
#define KNOCK_KERNEL_HIL_VIRTIO_H

#include <stdint.h>

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 (1ull << 32)

struct hil_virtio {
	void *hw;
	/* Write 0 to the status and wait (bounded) until it reads 0.
	 * Returns 0, or -1 if the device never finished its reset. */
	int (*reset)(void *hw);
	uint8_t (*get_status)(void *hw);
	void (*set_status)(void *hw, uint8_t status);
	uint64_t (*device_features)(void *hw);
	void (*set_driver_features)(void *hw, uint64_t features);
	/* The largest size the device allows for queue `q` (0: no such queue). */
	uint16_t (*queue_max)(void *hw, uint16_t q);
	/* Give queue `q` its size, ring addresses and the MSI-X table entry
	 * that signals it, and enable it. Returns 0, or -1 if the device did
	 * not take the entry (it reads back "no vector"). */
	int (*queue_setup)(void *hw, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
			   uint64_t used, uint16_t msix_entry);
	/* Tell the device that queue `q` has new buffers. */
	void (*notify)(void *hw, uint16_t q);
	/* Byte `offset` of the device-specific configuration structure (a
	 * virtio-net's MAC address, ...); 0 beyond its end. */
	uint8_t (*config_read8)(void *hw, uint32_t offset);
};

#endif
