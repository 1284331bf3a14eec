/*
 * Fuzz the ACPI walk (chips/x86_64/acpi_parse.c acpi_walk): from the RSDP
 * through the RSDT or XSDT to every table it lists, the MADT and the FADT
 * parsed, each trusted table handed to the on_table callback.
 *
 * Input: a piece of physical memory starting at address 0, with the RSDP
 * at its start (tests/fuzz/make_seeds.py lays QEMU's real tables out this
 * way). The map callback hands out a fresh copy of exactly the bytes asked
 * for, so reading past what was mapped shows up under ASan; an address
 * outside the input cannot be mapped. The input is walked as it is and
 * again with every checksum made good as its table is mapped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/log.h"
#include "tests/fuzz/acpi_fuzz.h"
#include "tests/fuzz/fuzz.h"

struct memory {
	const uint8_t *bytes;
	size_t size;
	bool fix_checksums;
	unsigned tables; /* on_table calls */
};

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	const struct memory *m = ctx;

	if (phys > m->size || len > m->size - phys)
		return NULL;
	uint8_t *copy = fuzz_exact_copy(m->bytes + phys, len);
	if (copy && m->fix_checksums)
		acpi_fuzz_fix_table(copy, len);
	return copy;
}

static void on_table(void *ctx, uint64_t phys, const uint8_t *table, size_t len)
{
	struct memory *m = ctx;
	uint8_t sum = 0;

	/* A table is announced only after it passed its checks. */
	FUZZ_CHECK(phys != 0 && phys < m->size && len >= ACPI_HEADER_BYTES);
	FUZZ_CHECK(len == fuzz_le(table + 4, 4));
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + table[i]);
	FUZZ_CHECK(sum == 0);
	m->tables++;
}

static void walk(const uint8_t *data, size_t size, bool fix_checksums)
{
	struct memory m = { .bytes = data, .size = size, .fix_checksums = fix_checksums };
	const struct acpi_memory mem = {
		.map = map,
		.ctx = &m,
		.on_table = on_table,
		.on_table_ctx = &m,
	};
	struct acpi_rsdp rsdp;
	struct platform p;
	size_t rsdp_len = size < ACPI_RSDP_V2_BYTES ? size : ACPI_RSDP_V2_BYTES;
	uint8_t *rsdp_bytes = fuzz_exact_copy(data, rsdp_len);

	if (fix_checksums)
		acpi_fuzz_fix_rsdp(rsdp_bytes, rsdp_len);
	if (acpi_rsdp_parse(rsdp_bytes, rsdp_len, &rsdp) != 0)
		return;
	int r = acpi_walk(&rsdp, &mem, &p);
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(p.tables_untrusted <= p.tables_seen);
	if (r == 0)
		FUZZ_CHECK(m.tables >= 1); /* the root table itself */
	acpi_fuzz_use_platform(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	log_add_sink(acpi_fuzz_check_line);
	walk(data, size, false);
	fuzz_free_all();
	walk(data, size, true);
	fuzz_free_all();
	return 0;
}
