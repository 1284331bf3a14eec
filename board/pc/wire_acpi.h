/*
 * Platform discovery for the pc board: the CPUs, IOAPICs and ISA interrupt
 * routes (from ACPI's MADT, else the MP table, else the 8259s' fixed
 * wiring) and ACPI's FADT, kept in one board-owned struct for the
 * interrupt wiring (LAPIC, IOAPIC, ISA routes), SMP start-up and the reset
 * path.
 */
#ifndef KNOCK_BOARD_PC_WIRE_ACPI_H
#define KNOCK_BOARD_PC_WIRE_ACPI_H

#include <stdbool.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/multiboot2.h"

/* Filled by board_discover_platform(); all zero (nothing known) before. */
extern struct platform board_platform;

/* Where board_platform's interrupt routing came from. */
enum board_irq_routing {
	BOARD_ROUTING_MADT,
	BOARD_ROUTING_MPTABLE,
	BOARD_ROUTING_8259, /* no IOAPIC: ISA IRQs through the 8259s, one CPU */
};
extern enum board_irq_routing board_irq_routing;

/* Read the ACPI tables (else the MP table) and log what they say, and one
 * line naming the routing used. Call once on the boot CPU, after the boot
 * information is parsed and the options are loaded (for acpi=dump,
 * mptable=off), before the LAPIC and IOAPIC are brought up. A source
 * counts only if `usable` says it routes what the board needs
 * (board_platform_routes_isa, interrupts.h). */
void board_discover_platform(const struct boot_info *bi,
			     bool (*usable)(const struct platform *p, const char *source));

/* Whether LINT1 of the CPUs is an NMI input, as the MADT says (QEMU and
 * most PCs: every CPU's LINT1). */
int board_lint1_is_nmi(void);

#endif
