/*
 * HIL: PCI configuration space and what a scan of it found.
 *
 * The chip reaches configuration space (ECAM or ports 0xcf8/0xcfc) and
 * hands it over as struct hil_pci_config: two functions over dwords. The
 * scanner (chips/x86_64/pci_parse.c) is written against this interface
 * only, so host tests and the fuzzer feed it synthetic configuration
 * spaces. What it finds is plain data (struct pci_function), which
 * portable code such as the `pci` listing (capsules/pci_list.h) reads
 * without knowing how it was reached.
 *
 * Spec: PCI Local Bus Specification 3.0, 6.1 (configuration header), 6.2.5
 * (base address registers), 6.7 (capabilities), 6.8 (MSI, MSI-X); PCI-to-PCI
 * Bridge Architecture Specification 1.2, 3.2 (type 1 header).
 */
#ifndef KNOCK_KERNEL_HIL_PCI_H
#define KNOCK_KERNEL_HIL_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* A function's address on segment 0: bus in bits 8-15, device 3-7,
 * function 0-2 (the same packing as the "BDF" of ECAM and 0xcf8). */
typedef uint16_t pci_bdf;
#define PCI_BDF(bus, dev, fn) ((pci_bdf)((unsigned)(bus) << 8 | (unsigned)(dev) << 3 | (fn)))
#define PCI_BDF_BUS(b) ((unsigned)(b) >> 8)
#define PCI_BDF_DEV(b) (((unsigned)(b) >> 3) & 0x1f)
#define PCI_BDF_FN(b) ((unsigned)(b)&7)

/*
 * Configuration space of one segment. `offset` is dword aligned and below
 * `space_bytes` (256 through ports, 4096 through ECAM). A function that is
 * not there reads all ones, as on real hardware. Boot CPU only, from the
 * loop or before it: the 0xcf8/0xcfc pair is a two-step access.
 */
struct hil_pci_config {
	void *hw;
	uint32_t (*read32)(void *hw, pci_bdf bdf, uint16_t offset);
	void (*write32)(void *hw, pci_bdf bdf, uint16_t offset, uint32_t value);
	uint16_t space_bytes;
	const char *method; /* "ECAM", "ports 0xcf8/0xcfc": for messages */
};

/*
 * A window of registers in a memory BAR (the MSI-X table, virtio's
 * structures): dwords at byte offsets from the window's start, below
 * `bytes`. The chip maps it uncached; offsets outside read all ones and
 * are not written.
 */
struct hil_pci_window {
	void *hw;
	uint32_t (*read32)(void *hw, uint32_t offset);
	void (*write32)(void *hw, uint32_t offset, uint32_t value);
	uint32_t bytes;
};

enum pci_bar_kind {
	PCI_BAR_NONE = 0, /* not implemented, or the upper half of a 64-bit BAR */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
};

struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetchable;
	uint64_t base; /* as the firmware programmed it (0: not assigned) */
	uint64_t size; /* bytes decoded, a power of two */
};

/* How the function interrupts right now, from its own registers. */
enum pci_irq_mode {
	PCI_IRQ_NONE = 0, /* no pin, or INTx disabled and no MSI/MSI-X on */
	PCI_IRQ_INTX,
	PCI_IRQ_MSI,
	PCI_IRQ_MSIX,
};

#define PCI_BARS 6
#define PCI_VENDOR_CAPS 8 /* virtio has five; more are counted, not kept */

struct pci_function {
	pci_bdf bdf;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type; /* bits 0-6: 0 device, 1 PCI bridge, 2 CardBus */
	uint16_t command;    /* as found, before the scan touched anything */
	uint8_t irq_pin;     /* 0 none, 1-4 INTA-INTD */
	uint8_t irq_line;    /* what the firmware wrote (the 8259 IRQ) */
	enum pci_irq_mode irq_mode;

	/* 6 for a device, 2 for a bridge; empty until bars_read. Sizing a
	 * BAR turns the function's decoding off for a moment, and each turn
	 * makes an emulator rebuild its address map (3.5 of knock's 26 ms of
	 * boot under QEMU), so the scan leaves it to the first user:
	 * pci_read_bars() (chips/x86_64/pci_parse.h). */
	struct pci_bar bars[PCI_BARS];
	bool bars_read;

	/* Capabilities: offsets in configuration space, 0 when absent. */
	uint8_t msi_cap;
	bool msi_64bit;
	uint8_t msi_vectors; /* requested (multiple message capable), 1-32 */
	uint8_t msix_cap;
	uint16_t msix_vectors; /* table size */
	uint8_t msix_table_bar, msix_pba_bar;
	uint32_t msix_table_offset, msix_pba_offset;
	uint8_t vendor_cap_count; /* in vendor_caps[] */
	uint8_t vendor_caps[PCI_VENDOR_CAPS];
	uint8_t cap_count; /* every capability walked, of any id */

	/* A bridge (header type 1): the buses behind it. */
	uint8_t secondary_bus, subordinate_bus;
};

#endif
