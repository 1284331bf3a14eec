/*
 * MSI-X programming: route a PCI function's MSI-X table entries to the
 * messages the board composed (on the PC: a LAPIC address and a vector),
 * then switch the function from INTx to MSI-X. Portable: it reaches
 * configuration space and the table only through the HIL
 * (kernel/hil/pci.h), so it is host-tested against fakes
 * (tests/unit/test_pci_msix.c).
 *
 * The order follows PCI Local Bus Specification 3.0, 6.8.2: with MSI-X
 * enabled and the whole function masked (so no half-written entry can
 * fire), mask every entry, write each routed entry's address and data,
 * then unmask it; disable INTx in the command register; finally lift the
 * function mask. Entries not routed stay masked. Each routed entry is read
 * back, and a table that did not keep what was written leaves MSI-X off.
 */
#ifndef KNOCK_CAPSULES_PCI_MSIX_H
#define KNOCK_CAPSULES_PCI_MSIX_H

#include <stdint.h>

#include "kernel/hil/pci.h"

struct msix_route {
	uint16_t entry;   /* index in the function's MSI-X table */
	uint64_t address; /* message address */
	uint32_t data;    /* message data */
};

/*
 * Route `n` entries of function `f` (its record from the scan; irq_mode
 * and command are updated) through configuration space `cfg`, its MSI-X
 * table mapped as `table`. Returns 0, or -1 with a warning and MSI-X left
 * off (INTx as before) when the function has no MSI-X, an entry is outside
 * its table or the window, or the device did not keep the programming.
 */
int pci_msix_enable(const struct hil_pci_config *cfg, struct pci_function *f,
		    const struct hil_pci_window *table, const struct msix_route *routes,
		    unsigned n);

#endif
