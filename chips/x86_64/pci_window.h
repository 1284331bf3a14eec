/*
 * A window of registers inside a PCI memory BAR (the MSI-X table,
 * virtio's structures), handed out as a struct hil_pci_window
 * (kernel/hil/pci.h) over uncached memory-mapped I/O.
 */
#ifndef KNOCK_CHIPS_PCI_WINDOW_H
#define KNOCK_CHIPS_PCI_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/pci.h"

struct pci_window {
	uintptr_t base;
	uint32_t bytes;
};

/*
 * Open `bytes` at `offset` into memory BAR `bar` as `out`, backed by `w`
 * (which must outlive it). Returns false, with a warning naming `what`,
 * if the BAR is not memory, is not assigned, is too small, or lies where
 * knock does not map (above 4 GiB).
 */
bool pci_window_open(const struct pci_bar *bar, uint32_t offset, uint32_t bytes, const char *what,
		     struct pci_window *w, struct hil_pci_window *out);

#endif
