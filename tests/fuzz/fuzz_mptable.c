/*
 * Fuzz the MP table parsers (chips/x86_64/mptable_parse.c): the floating
 * pointer scan and check, the configuration table, reading it through a
 * map callback, and the platform made from it.
 *
 * Input: a configuration table's bytes (the seeds are the tables QEMU
 * builds, tests/data/mptable/, and hand-made damaged ones). Each input is
 * parsed as it is (the checks that refuse it), and again with its base
 * checksum made good and cut to its base length field (everything behind
 * them), each in an allocation of exactly its size. The input is also
 * scanned for a floating pointer, and read through a map callback that
 * serves only the input's bytes, as the kernel reads physical memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/mptable_parse.h"
#include "kernel/log.h"
#include "tests/fuzz/acpi_fuzz.h"
#include "tests/fuzz/fuzz.h"

#define TABLE_AT 0x1000u

struct input {
	const uint8_t *b;
	size_t n;
};

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	const struct input *in = ctx;
	if (phys < TABLE_AT || phys - TABLE_AT > in->n || len > in->n - (phys - TABLE_AT))
		return NULL;
	return in->b + (phys - TABLE_AT);
}

static void use(const struct mp_floating *fp, const struct mp_config *mc, unsigned logical)
{
	struct platform p;
	const uint32_t entries[MP_MAX_IOAPICS] = { 24, 16, 0, 240 };

	FUZZ_CHECK(mc->entries_read <= mc->entry_count);
	FUZZ_CHECK(mc->cpu_count <= MP_MAX_CPUS && mc->bus_count <= MP_MAX_BUSES);
	FUZZ_CHECK(mc->ioapic_count <= MP_MAX_IOAPICS && mc->io_int_count <= MP_MAX_IO_INTS);
	FUZZ_CHECK(mc->local_int_count <= MP_MAX_LOCAL_INTS);
	FUZZ_CHECK(mc->cpu_count + mc->bus_count + mc->ioapic_count + mc->io_int_count +
			   mc->local_int_count + mc->entries_dropped ==
		   mc->entries_read);
	mp_config_print(fp, mc);
	memset(&p, 0, sizeof(p));
	if (mptable_to_platform(fp, mc, logical & 1 ? entries : NULL, logical, &p) == 0)
		FUZZ_CHECK(p.cpu_count && p.ioapic_count && mp_isa_bus(mc) >= 0);
	FUZZ_CHECK(p.isa_routes_listed && !p.has_madt);
	acpi_fuzz_use_platform(&p);
}

static void parse(const uint8_t *b, size_t n, unsigned logical)
{
	struct mp_config mc;
	struct mp_floating fp = { .config_address = TABLE_AT, .spec_rev = 4 };

	if (mp_config_parse(b, n, &mc) == 0) {
		FUZZ_CHECK(n >= MP_CONFIG_HEADER_BYTES && mc.base_length <= n);
		use(&fp, &mc, logical);
	}
	struct input in = { b, n };
	if (mp_config_read(&fp, map, &in, &mc) == 0)
		use(&fp, &mc, logical);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	log_add_sink(acpi_fuzz_check_line);
	unsigned logical = size ? data[size - 1] % 5 : 0;

	const uint8_t *as_is = fuzz_exact_copy(data, size);
	long at = mp_floating_scan(as_is, size);
	FUZZ_CHECK(at == -1 || (at % 16 == 0 && (size_t)at + MP_FLOATING_BYTES <= size));
	struct mp_floating fp;
	if (at >= 0) {
		/* A candidate the scan found fails only for what it names. */
		bool ok = mp_floating_parse(as_is + at, size - (size_t)at, &fp) == 0;
		uint8_t config = as_is[at + 11];
		FUZZ_CHECK(ok == (config <= 7 && (config || fuzz_le(as_is + at + 4, 4))));
	}
	mp_floating_parse(as_is, size, &fp);
	parse(as_is, size, logical);

	/* The base length field's bytes with a good checksum: what is
	 * behind the checks. */
	size_t n = size;
	if (size >= MP_CONFIG_HEADER_BYTES && fuzz_le(data + 4, 2) >= MP_CONFIG_HEADER_BYTES &&
	    fuzz_le(data + 4, 2) < size)
		n = (size_t)fuzz_le(data + 4, 2);
	uint8_t *fixed = fuzz_exact_copy(data, n);
	if (fixed && n >= MP_CONFIG_HEADER_BYTES) {
		memcpy(fixed, "PCMP", 4);
		uint8_t sum = 0;
		fixed[7] = 0;
		for (size_t i = 0; i < n; i++)
			sum = (uint8_t)(sum + fixed[i]);
		fixed[7] = (uint8_t)(0x100 - sum);
		parse(fixed, n, logical);
	}
	fuzz_free_all();
	return 0;
}
