/*
 * Fuzz the single-table ACPI parsers (chips/x86_64/acpi_parse.c): the RSDP
 * parser and scan, the generic table check, the MADT and the FADT.
 *
 * Input: one table's bytes (the seeds are the .bin tables of
 * tests/data/acpi). Every parser gets every input, in an allocation of
 * exactly its size: each parser refuses a wrong signature first, so the
 * mutations of a MADT keep reaching the MADT parser. Each input is parsed
 * as it is, and again with its checksums made good (tests/fuzz/acpi_fuzz.h)
 * and cut to its length field, as the walker maps a table.
 */
#include <stdint.h>
#include <string.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/log.h"
#include "tests/fuzz/acpi_fuzz.h"
#include "tests/fuzz/fuzz.h"

static void parse_rsdp(const uint8_t *bytes, size_t n)
{
	struct acpi_rsdp rsdp;

	if (acpi_rsdp_parse(bytes, n, &rsdp) == 0) {
		FUZZ_CHECK(n >= ACPI_RSDP_V1_BYTES);
		FUZZ_CHECK(rsdp.has_xsdt || rsdp.rsdt_address != 0);
		FUZZ_CHECK(!rsdp.has_xsdt || (rsdp.revision >= 2 && n >= ACPI_RSDP_V2_BYTES));
		FUZZ_CHECK(strlen(rsdp.oem_id) == 6);
	}
	long at = acpi_rsdp_scan(bytes, n);
	FUZZ_CHECK(at == -1 || (at >= 0 && at % 16 == 0 && (size_t)at + ACPI_RSDP_V1_BYTES <= n));
}

static void parse_tables(const uint8_t *bytes, size_t n)
{
	struct platform p;

	memset(&p, 0, sizeof(p));
	acpi_table_valid(bytes, n, NULL);
	if (acpi_madt_parse(bytes, n, &p) == 0)
		FUZZ_CHECK(p.has_madt && n >= ACPI_HEADER_BYTES);
	if (acpi_fadt_parse(bytes, n, &p) == 0)
		FUZZ_CHECK(p.has_fadt && n >= ACPI_HEADER_BYTES);
	acpi_fuzz_use_platform(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	log_add_sink(acpi_fuzz_check_line);

	const uint8_t *as_is = fuzz_exact_copy(data, size);
	parse_rsdp(as_is, size);
	parse_tables(as_is, size);

	uint8_t *fixed = fuzz_exact_copy(data, size);
	acpi_fuzz_fix_rsdp(fixed, size);
	parse_rsdp(fixed, size);

	/* As the walker maps a table: exactly as many bytes as its length
	 * field says (when the input has them), so a read past the table's
	 * end is a read past the buffer. */
	size_t n = size;
	if (size >= ACPI_HEADER_BYTES && fuzz_le(data + 4, 4) >= ACPI_HEADER_BYTES &&
	    fuzz_le(data + 4, 4) < size)
		n = (size_t)fuzz_le(data + 4, 4);
	fixed = fuzz_exact_copy(data, n);
	acpi_fuzz_fix_table(fixed, n);
	parse_tables(fixed, n);

	fuzz_free_all();
	return 0;
}
