/*
 * PCI configuration space on the PC: the two ways in, each handed out as
 * a struct hil_pci_config (kernel/hil/pci.h) for the scanner
 * (chips/x86_64/pci_parse.h) and for drivers.
 *
 *   ECAM     PCI Express's memory-mapped configuration space, 4 KiB per
 *            function, where the ACPI MCFG table says (q35: 0xb0000000).
 *   ports    PCI configuration mechanism #1: the address in port 0xcf8,
 *            the data in 0xcfc, 256 bytes per function (every PC; the only
 *            way on QEMU's pc, which has no MCFG).
 *
 * Both are for the boot CPU, from board wiring or the loop: the port pair
 * is a two-step access that nothing else may interleave.
 */
#ifndef KNOCK_CHIPS_PCI_H
#define KNOCK_CHIPS_PCI_H

#include <stdbool.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/hil/pci.h"

/*
 * ECAM through the MCFG window `w` (segment 0, starting at bus 0). Maps
 * the window uncached. Returns false, with a warning, if it cannot be
 * mapped or reads nothing at 00:00.0.
 */
bool pci_ecam_open(const struct platform_ecam *w, struct hil_pci_config *out);

/* Configuration mechanism #1, if 0xcf8 holds what is written to it (the
 * check Linux makes). Returns false if not. */
bool pci_ports_open(struct hil_pci_config *out);

#endif
