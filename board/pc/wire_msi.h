/*
 * The pc board's MSI-X vectors: the pool of board/pc/interrupts.h
 * (BOARD_MSI_POOL) handed out to PCI drivers at wiring time, and a
 * function's MSI-X table pointed at them (docs/interrupts.md, "MSI-X").
 *
 *	unsigned bit;
 *	uint8_t vector;
 *	if (board_msi_claim("virtio-rng", &bit, &vector)) {
 *		loop_set_client(bit, "virtio-rng", rng_service, &rng);
 *		uint16_t entry = 0;
 *		board_msix_enable(f, &entry, &bit, 1);
 *	}
 */
#ifndef KNOCK_BOARD_PC_WIRE_MSI_H
#define KNOCK_BOARD_PC_WIRE_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/pci.h"

/* The next free pool row: its pending bit (its loop slot now declared,
 * named after the row; the caller sets the client) and vector. Returns
 * false, with a warning naming `owner`, when the pool is used up. Boot
 * CPU, before loop_verify(). */
bool board_msi_claim(const char *owner, unsigned *bit, uint8_t *vector);

/* Route MSI-X table entries entries[i] of `f` to the claimed bits[i], on
 * the boot CPU, and switch `f` to MSI-X (capsules/pci_msix.h). Returns
 * false (with a warning; `f` stays on INTx) if that cannot be done. */
bool board_msix_enable(struct pci_function *f, const uint16_t *entries, const unsigned *bits,
		       unsigned n);

#endif
