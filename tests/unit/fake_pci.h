/*
 * A synthetic PCI configuration space for the scanner's tests and fuzzer:
 * a few functions, each 256 bytes of configuration space plus which bits
 * of each BAR dword are writable. Writes behave like a device's: the
 * status half of the command dword is write-1-to-clear, a BAR keeps only
 * its writable bits (so writing all ones reads back the size mask), and
 * every other register stores what is written. A function that is not
 * there reads all ones.
 *
 * It also watches the rule the scanner must keep: a BAR written while the
 * function decodes (command bit 0 or 1 set) is counted in
 * `bar_writes_while_decoding`, except on a host bridge, which the scanner
 * is allowed to size in place.
 */
#ifndef KNOCK_TEST_FAKE_PCI_H
#define KNOCK_TEST_FAKE_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/pci.h"

#define FAKE_PCI_MAX 80

struct fake_pci_fn {
	pci_bdf bdf;
	uint8_t cfg[256];
	uint32_t bar_writable[PCI_BARS];
};

struct fake_pci {
	struct fake_pci_fn fns[FAKE_PCI_MAX];
	unsigned count;
	unsigned reads, writes;
	unsigned bar_writes_while_decoding;
};

void fake_pci_init(struct fake_pci *f);
/* Add a function with a type 0 (or `header`) header; status says it has a
 * capability list once fake_pci_cap() adds one. */
struct fake_pci_fn *fake_pci_add(struct fake_pci *f, pci_bdf bdf, uint16_t vendor, uint16_t device,
				 uint32_t class_rev, uint8_t header);
/* BAR `i`: its value as the firmware left it, and the bits software may
 * write (0xfffff000 for a 4 KiB memory BAR, 0xffffffe0 for 32 ports). */
void fake_pci_bar(struct fake_pci_fn *fn, unsigned i, uint32_t value, uint32_t writable);
/* Append a capability `len` bytes long at `at` (dword aligned, >= 0x40) to
 * the function's list; returns its bytes for the caller to fill after the
 * id and next pointer. */
uint8_t *fake_pci_cap(struct fake_pci_fn *fn, uint8_t at, uint8_t id);
void fake_pci_set32(struct fake_pci_fn *fn, uint16_t off, uint32_t v);
uint32_t fake_pci_get32(const struct fake_pci_fn *fn, uint16_t off);
struct fake_pci_fn *fake_pci_find(struct fake_pci *f, pci_bdf bdf);
/* The accessor the scanner is given. */
struct hil_pci_config fake_pci_config(struct fake_pci *f);

#endif
