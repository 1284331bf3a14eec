/*
 * Platform discovery for the pc board: ACPI's MADT and FADT, kept in one
 * board-owned struct for the interrupt wiring (LAPIC, IOAPIC, ISA routes)
 * and for the reset path.
 */
#ifndef KNOCK_BOARD_PC_WIRE_ACPI_H
#define KNOCK_BOARD_PC_WIRE_ACPI_H

#include "chips/x86_64/acpi_parse.h"
#include "kernel/multiboot2.h"

/* Filled by board_discover_platform(); all zero (nothing known) before. */
extern struct platform board_platform;

/* Read the ACPI tables and log what they say. Call once on the boot CPU,
 * after the boot information is parsed and the options are loaded (for
 * acpi=dump), before the LAPIC and IOAPIC are brought up. */
void board_discover_platform(const struct boot_info *bi);

/* Whether LINT1 of the CPUs is an NMI input, as the MADT says (QEMU and
 * most PCs: every CPU's LINT1). */
int board_lint1_is_nmi(void);

#endif
