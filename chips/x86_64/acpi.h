/*
 * ACPI on the PC: find the RSDP, read the tables through the identity map,
 * and hand the parsed platform (CPUs, IOAPICs, ISA overrides, reset
 * register) to the board. The parsing itself is in acpi_parse.c, host-tested;
 * this file is the part that touches memory and ports.
 *
 * Kernel option acpi=dump: print every table found as lines
 *   acpidump: <SIG> <length> 0x<physical address> <offset> <hex bytes>
 * (32 bytes a line; the RSDP is dumped as SIG "RSDP"). tools/acpi_dump.py
 * turns them back into the test fixtures of tests/data/acpi/.
 */
#ifndef KNOCK_CHIPS_ACPI_H
#define KNOCK_CHIPS_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/multiboot2.h"

/*
 * The real-mode segment of the Extended BIOS Data Area, the 16-bit word the
 * BIOS leaves at physical 0x40e. Page 0 is unmapped once paging is on (a
 * NULL dereference faults), so boot/entry32.asm copies the word before it
 * enables paging. 0 means unknown: the EBDA is then not scanned.
 */
extern uint16_t boot_ebda_segment;

/*
 * Find the RSDP (the Multiboot2 ACPI 2.0 tag's copy, then the 1.0 tag's,
 * then a scan of the EBDA's first KiB and of 0xe0000-0xfffff), walk the
 * tables, fill `out` and log a summary. Tables above 4 GiB are refused with
 * a warning (knock maps only the first 4 GiB). Returns 0 if a trusted MADT
 * listed at least one enabled CPU and one IOAPIC, else -1 (with a warning;
 * `out` then holds whatever was trusted).
 */
int acpi_discover(const struct boot_info *bi, struct platform *out);

/* The platform last filled by acpi_discover(), or NULL before that. */
const struct platform *acpi_platform(void);

/*
 * Write the FADT's reset value to its reset register (I/O port, memory, or
 * PCI configuration space on bus 0). Returns false at once if `p` is NULL
 * or has no reset register; if the write does not reset the machine within
 * about 10 ms, also returns false, so the caller can try the next method.
 */
bool acpi_reset(const struct platform *p);

#endif
