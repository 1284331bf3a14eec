/*
 * The virtio modern PCI transport (virtio_pci.h).
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, 4.1.4 (virtio structure
 * PCI capabilities: cfg_type, bar, offset, length), 4.1.4.3 (common
 * configuration layout), 4.1.4.4 (notification: queue_notify_off times
 * notify_off_multiplier), 4.1.3.1 (each field is accessed with its own
 * width), 2.4.1 (reset: write 0, wait until status reads 0).
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/virtio_pci.h"
#include "kernel/log.h"

/* virtio_pci_cap (4.1.4). */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULTIPLIER 16

#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg (4.1.4.3). */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_MSIX_CONFIG 0x10
#define COMMON_STATUS 0x14
#define COMMON_CONFIG_GENERATION 0x15
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30
#define COMMON_BYTES 0x38

#define NO_VECTOR 0xffff
#define RESET_POLLS 100000

static uint8_t rd8(const struct pci_window *w, uint32_t off)
{
	return *(volatile const uint8_t *)(w->base + off);
}
static uint16_t rd16(const struct pci_window *w, uint32_t off)
{
	return *(volatile const uint16_t *)(w->base + off);
}
static uint32_t rd32(const struct pci_window *w, uint32_t off)
{
	return *(volatile const uint32_t *)(w->base + off);
}
static void wr8(const struct pci_window *w, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(w->base + off) = v;
}
static void wr16(const struct pci_window *w, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(w->base + off) = v;
}
static void wr32(const struct pci_window *w, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(w->base + off) = v;
}
/* 64-bit fields as two 32-bit writes, low half first (4.1.3.1 allows it). */
static void wr64(const struct pci_window *w, uint32_t off, uint64_t v)
{
	wr32(w, off, (uint32_t)v);
	wr32(w, off + 4, (uint32_t)(v >> 32));
}

static int reset(void *hw)
{
	const struct virtio_pci *v = hw;
	wr8(&v->common, COMMON_STATUS, 0);
	for (int i = 0; i < RESET_POLLS; i++)
		if (rd8(&v->common, COMMON_STATUS) == 0)
			return 0;
	return -1;
}

static uint8_t get_status(void *hw)
{
	const struct virtio_pci *v = hw;
	return rd8(&v->common, COMMON_STATUS);
}

static void set_status(void *hw, uint8_t status)
{
	const struct virtio_pci *v = hw;
	wr8(&v->common, COMMON_STATUS, status);
}

static uint64_t device_features(void *hw)
{
	const struct virtio_pci *v = hw;
	wr32(&v->common, COMMON_DFSELECT, 0);
	uint64_t lo = rd32(&v->common, COMMON_DF);
	wr32(&v->common, COMMON_DFSELECT, 1);
	return lo | (uint64_t)rd32(&v->common, COMMON_DF) << 32;
}

static void set_driver_features(void *hw, uint64_t features)
{
	const struct virtio_pci *v = hw;
	wr32(&v->common, COMMON_GFSELECT, 0);
	wr32(&v->common, COMMON_GF, (uint32_t)features);
	wr32(&v->common, COMMON_GFSELECT, 1);
	wr32(&v->common, COMMON_GF, (uint32_t)(features >> 32));
}

static uint16_t queue_max(void *hw, uint16_t q)
{
	const struct virtio_pci *v = hw;
	wr16(&v->common, COMMON_Q_SELECT, q);
	return rd16(&v->common, COMMON_Q_SIZE);
}

static int queue_setup(void *hw, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
		       uint64_t used, uint16_t msix_entry)
{
	const struct virtio_pci *v = hw;
	wr16(&v->common, COMMON_Q_SELECT, q);
	wr16(&v->common, COMMON_Q_SIZE, size);
	wr64(&v->common, COMMON_Q_DESC, desc);
	wr64(&v->common, COMMON_Q_AVAIL, avail);
	wr64(&v->common, COMMON_Q_USED, used);
	wr16(&v->common, COMMON_Q_MSIX, msix_entry);
	if (rd16(&v->common, COMMON_Q_MSIX) != msix_entry)
		return -1; /* the device could not map the entry */
	wr16(&v->common, COMMON_Q_ENABLE, 1);
	return 0;
}

/* A name of its own: tools/bench_net.py counts the UDP echo up to it. */
static void virtio_pci_notify(void *hw, uint16_t q)
{
	const struct virtio_pci *v = hw;
	wr16(&v->common, COMMON_Q_SELECT, q);
	uint32_t off = (uint32_t)rd16(&v->common, COMMON_Q_NOFF) * v->notify_multiplier;
	if (off + 2 <= v->notify.bytes)
		wr16(&v->notify, off, q);
}

static uint64_t config_read(void *hw, uint32_t offset, unsigned width)
{
	const struct virtio_pci *v = hw;
	if (v->device.bytes < width || offset > v->device.bytes - width)
		return 0;
	switch (width) {
	case 1:
		return rd8(&v->device, offset);
	case 2:
		return rd16(&v->device, offset);
	case 4:
		return rd32(&v->device, offset);
	case 8:
		/* Two reads may straddle a change: read again until the
		 * generation is the same before and after (4.1.4.3.1), a few
		 * times at most. */
		for (int tries = 0;; tries++) {
			uint8_t gen = rd8(&v->common, COMMON_CONFIG_GENERATION);
			uint64_t value = rd32(&v->device, offset) |
					 (uint64_t)rd32(&v->device, offset + 4) << 32;
			if (rd8(&v->common, COMMON_CONFIG_GENERATION) == gen || tries == 8)
				return value;
		}
	default:
		return 0;
	}
}

/* Reading the ISR status acknowledges it (4.1.4.5): the device drops INTx. */
static uint8_t isr(void *hw)
{
	const struct virtio_pci *v = hw;
	return rd8(&v->isr, 0);
}

static const char *const structure_names[] = { "", "common configuration", "notification",
					       "ISR status", "device configuration" };

int virtio_pci_open(struct virtio_pci *v, const struct hil_pci_config *cfg,
		    const struct pci_function *f, struct hil_virtio *out)
{
	struct pci_window *windows[] = { NULL, &v->common, &v->notify, &v->isr, &v->device };
	bool found[5] = { false };
	const char *problem[5] = { NULL };

	*v = (struct virtio_pci){ .bdf = f->bdf }; /* no device structure until one is found */
	for (unsigned i = 0; i < f->vendor_cap_count; i++) {
		uint8_t at = f->vendor_caps[i];
		if (at + CAP_LENGTH + 4 > 256)
			continue;
		uint32_t head = cfg->read32(cfg->hw, f->bdf, at);
		uint8_t type = (uint8_t)(head >> 24), cap_len = (uint8_t)(head >> 16);
		uint8_t bar = (uint8_t)cfg->read32(cfg->hw, f->bdf, (uint16_t)(at + CAP_BAR));
		if (type < CFG_COMMON || type > CFG_DEVICE || found[type] || bar >= PCI_BARS)
			continue; /* the PCI-access structure, a repeat, or unusable */
		uint32_t offset = cfg->read32(cfg->hw, f->bdf, (uint16_t)(at + CAP_OFFSET));
		uint32_t length = cfg->read32(cfg->hw, f->bdf, (uint16_t)(at + CAP_LENGTH));
		struct hil_pci_window unused;
		if (type == CFG_COMMON && length < COMMON_BYTES)
			continue;
		const char *why =
			pci_window_open(&f->bars[bar], offset, length, windows[type], &unused);
		if (why) {
			problem[type] = why;
			continue;
		}
		if (type == CFG_NOTIFY) {
			if (cap_len < CAP_NOTIFY_MULTIPLIER + 4 ||
			    at + CAP_NOTIFY_MULTIPLIER + 4 > 256)
				continue;
			v->notify_multiplier = cfg->read32(cfg->hw, f->bdf,
							   (uint16_t)(at + CAP_NOTIFY_MULTIPLIER));
		}
		found[type] = true;
	}
	for (unsigned t = CFG_COMMON; t <= CFG_ISR; t++) {
		if (!found[t]) {
			log_warn("virtio: %02x:%02x.%x: its %s structure: %s: not driven",
				 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf),
				 structure_names[t],
				 problem[t] ? problem[t] : "none found (a legacy-only device?)");
			return -1;
		}
	}
	wr16(&v->common, COMMON_MSIX_CONFIG, NO_VECTOR); /* no configuration interrupts */
	*out = (struct hil_virtio){
		.hw = v,
		.reset = reset,
		.get_status = get_status,
		.set_status = set_status,
		.device_features = device_features,
		.set_driver_features = set_driver_features,
		.queue_max = queue_max,
		.queue_setup = queue_setup,
		.notify = virtio_pci_notify,
		.config_read = config_read,
		.isr = isr,
	};
	return 0;
}
