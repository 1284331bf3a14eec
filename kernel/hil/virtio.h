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

/* queue_setup()'s msix_entry for a device that interrupts through INTx. */
#define VIRTIO_NO_VECTOR 0xffff

/* The ISR status bits (4.1.4.5). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

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
	/* The device-specific configuration: the `width`-byte field (1, 2, 4
	 * or 8) at `offset`, read with its own width (8: two 32-bit reads,
	 * again while the configuration generation changes). 0 if the device
	 * has no such field. */
	uint64_t (*config_read)(void *hw, uint32_t offset, unsigned width);
	/* Read the ISR status: the read acknowledges the interrupt, and the
	 * device deasserts its INTx line (a level interrupt's driver reads it
	 * before it drains the queues; MSI-X needs no acknowledgement). */
	uint8_t (*isr)(void *hw);
};

#endif
