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
 * (which must outlive it), mapped uncached wherever the BAR is (above
 * 4 GiB too). Returns NULL, or why it cannot be done (the BAR is not
 * memory, not assigned, too small, or cannot be mapped): the caller says
 * so in its own words.
 */
const char *pci_window_open(const struct pci_bar *bar, uint32_t offset, uint32_t bytes,
			    struct pci_window *w, struct hil_pci_window *out);

#endif
