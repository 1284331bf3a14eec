/*
 * The Intel MultiProcessor Specification table on the PC (v1.4, 1997):
 * find the "_MP_" floating pointer, read the configuration table through
 * the identity map, and fill the same struct platform the ACPI MADT fills,
 * for a PC without ACPI (QEMU's -machine pc,acpi=off; old BIOSes). The
 * parsing is in mptable_parse.c, host-tested; this file is the part that
 * touches memory, the IOAPICs (their sizes) and CPUID.
 */
#ifndef KNOCK_CHIPS_MPTABLE_H
#define KNOCK_CHIPS_MPTABLE_H

#include "chips/x86_64/acpi_parse.h"
#include "kernel/multiboot2.h"

/*
 * Look for the floating pointer where the spec says (MP spec 4: the first
 * KiB of the EBDA, the last KiB of base memory, the BIOS ROM at
 * 0xf0000-0xfffff), read its configuration table, log it ("mptable: "
 * lines) and fill out's MADT fields (the rest of `out`, ACPI's FADT say,
 * is left alone). Returns 0 if the table gave an enabled CPU, an enabled
 * IOAPIC and an ISA bus; else -1, with a warning saying why. A default
 * configuration (no table, MP spec 5) is reported and not used.
 */
int mptable_discover(const struct boot_info *bi, struct platform *out);

/*
 * If the floating pointer said the PC starts in PIC mode (an IMCR is
 * present), switch the IMCR so the 8259s' output reaches the CPU through
 * the local APIC (MP spec 3.6.2.1), as it does in virtual wire mode.
 */
void mptable_imcr_to_apic(const struct platform *p);

#endif
