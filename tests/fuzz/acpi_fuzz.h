/*
 * Helpers shared by the two ACPI harnesses (tests/fuzz/acpi_fuzz.c).
 *
 * Random bytes almost never carry a good ACPI checksum, and every parser
 * stops at a bad one. So the harnesses run each input twice: as it is (the
 * checks that refuse it), and with its checksums made good (everything
 * behind them).
 */
#ifndef KNOCK_TEST_ACPI_FUZZ_H
#define KNOCK_TEST_ACPI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi_parse.h"

/* Make the table at t (n bytes readable) sum to 0 over the length its
 * header gives, as far as it is readable, by adjusting its checksum byte. */
void acpi_fuzz_fix_table(uint8_t *t, size_t n);

/* Make an RSDP's 20-byte checksum and, for revision 2+, its extended
 * checksum good (n bytes readable). */
void acpi_fuzz_fix_rsdp(uint8_t *r, size_t n);

/* Log sink: every line the ACPI code logs is one whole line of printable
 * text, whatever the tables hold (names are printed through printable()). */
void acpi_fuzz_check_line(const char *s, size_t n);

/* Use a parsed platform the way the board does: print it, route every ISA
 * IRQ, find the IOAPIC of some GSIs; and check its counts against its
 * arrays. */
void acpi_fuzz_use_platform(const struct platform *p);

#endif
