/* Helpers of the ACPI harnesses: see acpi_fuzz.h. */
#include <stdbool.h>

#include "kernel/log.h"
#include "tests/fuzz/acpi_fuzz.h"
#include "tests/fuzz/fuzz.h"

#define TABLE_CHECKSUM_OFFSET 9
#define RSDP_CHECKSUM_OFFSET 8
#define RSDP_EXTENDED_CHECKSUM_OFFSET 32
#define RSDP_REVISION_OFFSET 15
#define RSDP_LENGTH_OFFSET 20

static void fix_sum(uint8_t *p, size_t n, size_t checksum_at)
{
	uint8_t sum = 0;

	p[checksum_at] = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	p[checksum_at] = (uint8_t)(0x100 - sum);
}

void acpi_fuzz_fix_table(uint8_t *t, size_t n)
{
	if (n < ACPI_HEADER_BYTES)
		return;
	size_t length = (size_t)fuzz_le(t + 4, 4);
	fix_sum(t, length < n ? length : n, TABLE_CHECKSUM_OFFSET);
}

void acpi_fuzz_fix_rsdp(uint8_t *r, size_t n)
{
	if (n < ACPI_RSDP_V1_BYTES)
		return;
	fix_sum(r, ACPI_RSDP_V1_BYTES, RSDP_CHECKSUM_OFFSET);
	if (r[RSDP_REVISION_OFFSET] < 2 || n < ACPI_RSDP_V2_BYTES)
		return;
	size_t length = (size_t)fuzz_le(r + RSDP_LENGTH_OFFSET, 4);
	if (length > RSDP_EXTENDED_CHECKSUM_OFFSET)
		fix_sum(r, length < n ? length : n, RSDP_EXTENDED_CHECKSUM_OFFSET);
}

void acpi_fuzz_check_line(const char *s, size_t n)
{
	FUZZ_CHECK(n > 0 && n <= LOG_LINE_MAX);
	FUZZ_CHECK(s[n - 1] == '\n');
	for (size_t i = 0; i + 1 < n; i++)
		FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7f);
}

void acpi_fuzz_use_platform(const struct platform *p)
{
	struct isa_route route;

	FUZZ_CHECK(p->cpu_count <= PLATFORM_MAX_CPUS);
	FUZZ_CHECK(p->ioapic_count <= PLATFORM_MAX_IOAPICS);
	FUZZ_CHECK(p->override_count <= PLATFORM_MAX_OVERRIDES);
	FUZZ_CHECK(p->nmi_source_count <= PLATFORM_MAX_NMI_SOURCES);
	FUZZ_CHECK(p->lapic_nmi_count <= PLATFORM_MAX_LAPIC_NMIS);
	FUZZ_CHECK(!p->has_reset_reg || p->reset_reg.space <= ACPI_SPACE_PCI_CONFIG);
	for (unsigned i = 0; i < p->lapic_nmi_count; i++)
		FUZZ_CHECK(p->lapic_nmis[i].lint <= 1);
	/* The first override for a bus and IRQ stands: never two. */
	for (unsigned i = 0; i < p->override_count; i++)
		for (unsigned j = i + 1; j < p->override_count; j++)
			FUZZ_CHECK(p->overrides[i].bus != p->overrides[j].bus ||
				   p->overrides[i].source_irq != p->overrides[j].source_irq);

	platform_print(p);
	for (unsigned irq = 0; irq <= 16; irq++) {
		bool routed = platform_isa_route(p, irq, &route);
		FUZZ_CHECK(irq < 16 || !routed);
	}
	for (unsigned i = 0; i < p->ioapic_count; i++) {
		const struct platform_ioapic *io =
			platform_ioapic_for_gsi(p, p->ioapics[i].gsi_base);
		FUZZ_CHECK(io && io->gsi_base == p->ioapics[i].gsi_base);
	}
	platform_ioapic_for_gsi(p, 0);
	platform_ioapic_for_gsi(p, UINT32_MAX);
}
