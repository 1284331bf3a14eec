/*
 * The PCI scanner: a pure function over a configuration-space accessor
 * (kernel/hil/pci.h), so it is built for the host, unit-tested on synthetic
 * configuration spaces (tests/unit/test_pci_scan.c) and fuzzed
 * (tests/fuzz/fuzz_pci_scan.c). chips/x86_64/pci.c provides the real
 * accessors (ECAM, ports 0xcf8/0xcfc).
 *
 * It finds every function on bus 0 and on every bus behind a PCI-to-PCI
 * bridge and walks the capability list; a function's BARs are sized when
 * they are first wanted (pci_read_bars()). It trusts
 * nothing it reads: a capability list that loops or points into the
 * header, a BAR that reads all ones, a 64-bit BAR in the last slot, a
 * bridge whose secondary bus was already scanned, each costs one warning
 * ("pci: BB:DD.F: ...") and the scan goes on. Every loop is bounded by the
 * size of configuration space, so no input can make it hang.
 */
#ifndef KNOCK_CHIPS_PCI_PARSE_H
#define KNOCK_CHIPS_PCI_PARSE_H

#include "kernel/hil/pci.h"

/* Functions kept; more are counted in `dropped`, and bridges among them
 * are still followed. */
#define PCI_SCAN_MAX_FUNCTIONS 64

struct pci_scan {
	unsigned count;
	struct pci_function functions[PCI_SCAN_MAX_FUNCTIONS];
	unsigned dropped;  /* found beyond PCI_SCAN_MAX_FUNCTIONS */
	unsigned buses;    /* buses scanned (bus 0 and those behind bridges) */
	unsigned warnings; /* warnings logged */
};

/* Scan segment 0 through `cfg` into `out` (cleared first). Reads only:
 * no BAR is sized. */
void pci_scan(const struct hil_pci_config *cfg, struct pci_scan *out);

/*
 * Size `f`'s BARs (struct pci_function, `bars`), once. Sizing a BAR means
 * writing all ones to it, so decoding is switched off in the command
 * register around the sizing writes of a device (not of a host bridge,
 * which Linux also leaves alone) and the original BARs and command are
 * written back before anything is logged: a log line may go to a
 * framebuffer that is one of these BARs. Warnings are
 * logged and counted in `scan->warnings`. Whoever calls it must know that
 * nothing uses the function's windows meanwhile (the board: interrupts
 * off, before a driver starts).
 */
void pci_read_bars(const struct hil_pci_config *cfg, struct pci_scan *scan, struct pci_function *f);

/* The function at `bdf` in `scan`, or NULL. */
const struct pci_function *pci_scan_find(const struct pci_scan *scan, pci_bdf bdf);

#endif
