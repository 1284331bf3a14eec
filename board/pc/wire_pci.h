/*
 * The pc board's PCI: configuration access (ECAM where the MCFG table
 * offers it, else ports 0xcf8/0xcfc) and one scan of every bus at boot,
 * kept for the `pci` command and for the drivers wired after it.
 */
#ifndef KNOCK_BOARD_PC_WIRE_PCI_H
#define KNOCK_BOARD_PC_WIRE_PCI_H

#include "chips/x86_64/pci_parse.h"

/* Open configuration space and scan it. After board_discover_platform(),
 * before the other CPUs start (ECAM is remapped uncached on this CPU). */
void board_wire_pci(void);

/* The boot scan; empty (count 0) if there was no way into configuration
 * space. */
const struct pci_scan *board_pci_scan(void);

/* Size `f`'s BARs if that is not done yet (wire_pci.c says when it is
 * safe); all functions' for a listing. */
void board_pci_read_bars(struct pci_function *f);
void board_pci_read_all_bars(void);

/* Configuration space (for drivers' wiring), or NULL if not reachable. */
const struct hil_pci_config *board_pci_config(void);

/* The scan's record of the function at `bdf`, for its driver's wiring to
 * update (MSI-X enabled), or NULL. */
struct pci_function *board_pci_function(pci_bdf bdf);

/* The function a driver drives: the first with `vendor` and either device
 * id (a virtio device's modern and transitional ids), or NULL when there
 * is none or no way into configuration space, with its BARs sized. Later
 * ones get one line each, under the driver's `name`, and are left alone. */
struct pci_function *board_pci_find_one(const char *name, uint16_t vendor, uint16_t device,
					uint16_t other_device);

/* Let `f` decode its memory BARs and master the bus (DMA, and the memory
 * writes that are MSI messages), as its driver needs before it starts it.
 * Updates the record's command. */
void board_pci_enable_dma(struct pci_function *f);

/* Write `f`'s command register (the record's too). */
void board_pci_set_command(struct pci_function *f, uint16_t command);

/* How configuration space was reached ("ECAM", "ports 0xcf8/0xcfc"), or
 * NULL if it was not. */
const char *board_pci_method(void);

#endif
