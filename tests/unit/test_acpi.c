/*
 * chips/x86_64/acpi_parse.c: QEMU's real pc and q35 tables (dumped by
 * tools/acpi_dump.py) parse to exactly what those machines have; the
 * iasl-built edge cases (tests/data/acpi/edge-*.dsl) parse to exactly what
 * their sources say; and every kind of damage (bad checksums, truncation,
 * entries that lie about their length, absurd lengths, unreadable tables)
 * costs a warning naming the table, and the table is not used.
 *
 * Every table handed to a parser sits in a malloc'd block of exactly its
 * size, one byte past a malloc'd start so nothing is aligned: ASan reports
 * any read past the end, UBSan any misaligned access. Fixtures are read
 * relative to the repository root, where `make unit` runs the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fixture.h"

#define FIXTURES "tests/data/acpi/"

/* Make the table's bytes sum to 0 again after a test edited them. */
static void fix_checksum(uint8_t *t, size_t n)
{
	uint8_t sum = 0;
	t[9] = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)(0x100 - sum);
}

/* ---- fake physical memory (fixture.h) ------------------------------------------ */

static struct fixture_memory mem;

struct seen {
	char sigs[16][5];
	uint64_t addrs[16];
	unsigned n;
};
static struct seen seen;

static void on_table(void *ctx, uint64_t phys, const uint8_t *t, size_t len)
{
	struct seen *s = ctx;
	assert_true(len >= 36);
	if (s->n < 16) {
		memcpy(s->sigs[s->n], t, 4);
		s->sigs[s->n][4] = '\0';
		s->addrs[s->n] = phys;
		s->n++;
	}
}

static struct acpi_memory acpi_mem(void)
{
	return (struct acpi_memory){
		.map = fixture_mem_map,
		.ctx = &mem,
		.on_table = on_table,
		.on_table_ctx = &seen,
	};
}

static void place_table(void *ctx, const char *sig, uint64_t addr, struct blob b)
{
	struct blob *rsdp = ctx;

	if (!strcmp(sig, "RSDP"))
		*rsdp = b;
	else
		fixture_mem_add(&mem, addr, b.b, b.n);
}

/* Load a machine's dump: every table at its address (from M-tables.txt);
 * the RSDP is returned instead. */
static struct blob load_machine(const char *machine)
{
	char manifest[64];
	struct blob rsdp = { NULL, 0 };

	snprintf(manifest, sizeof(manifest), "%s-tables.txt", machine);
	fixture_load_dump(FIXTURES, manifest, place_table, &rsdp);
	assert_non_null(rsdp.b);
	return rsdp;
}

/* ---- fixtures ------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	memset(&mem, 0, sizeof(mem));
	memset(&seen, 0, sizeof(seen));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_all();
	return 0;
}

static void expect_override(const struct platform_override *o, unsigned irq, unsigned gsi,
			    enum acpi_polarity pol, enum acpi_trigger trig)
{
	assert_int_equal(o->bus, 0);
	assert_int_equal(o->source_irq, irq);
	assert_int_equal(o->gsi, gsi);
	assert_int_equal(o->polarity, pol);
	assert_int_equal(o->trigger, trig);
}

static void expect_route(const struct platform *p, unsigned irq, unsigned gsi, bool low, bool level)
{
	struct isa_route r = { 0xdead, !low, !level };
	if (!platform_isa_route(p, irq, &r))
		fail_msg("no route for irq %u", irq);
	assert_int_equal(r.gsi, gsi);
	assert_int_equal(r.active_low, low);
	assert_int_equal(r.level, level);
}

/* QEMU's pc and q35 MADTs are the same: 2 CPUs, one IOAPIC, IRQ 0 on GSI 2
 * and the PCI interrupts 5, 9, 10, 11 level triggered. */
static void expect_qemu_madt(const struct platform *p)
{
	assert_true(p->has_madt);
	assert_int_equal(p->lapic_address, 0xfee00000);
	assert_false(p->lapic_address_overridden);
	assert_true(p->has_8259);

	assert_int_equal(p->cpu_count, 2);
	assert_int_equal(p->cpus[0].apic_id, 0);
	assert_int_equal(p->cpus[1].apic_id, 1);
	assert_int_equal(p->cpus[1].acpi_uid, 1);
	assert_false(p->cpus[1].x2apic);
	assert_int_equal(p->cpus_disabled, 0);
	assert_int_equal(p->cpus_dropped, 0);

	assert_int_equal(p->ioapic_count, 1);
	assert_int_equal(p->ioapics[0].id, 0);
	assert_int_equal(p->ioapics[0].address, 0xfec00000);
	assert_int_equal(p->ioapics[0].gsi_base, 0);

	assert_int_equal(p->override_count, 5);
	expect_override(&p->overrides[0], 0, 2, ACPI_POLARITY_CONFORMING, ACPI_TRIGGER_CONFORMING);
	static const unsigned pci_irqs[] = { 5, 9, 10, 11 };
	for (unsigned i = 0; i < 4; i++)
		expect_override(&p->overrides[i + 1], pci_irqs[i], pci_irqs[i], ACPI_POLARITY_HIGH,
				ACPI_TRIGGER_LEVEL);

	assert_int_equal(p->nmi_source_count, 0);
	assert_int_equal(p->lapic_nmi_count, 1);
	assert_int_equal(p->lapic_nmis[0].acpi_uid, PLATFORM_ALL_CPUS);
	assert_int_equal(p->lapic_nmis[0].lint, 1);
	assert_int_equal(p->madt_entries_unknown, 0);
	assert_int_equal(p->madt_entries_bad, 0);
	assert_int_equal(p->madt_entries_dropped, 0);

	expect_route(p, 0, 2, false, false); /* the PIT */
	expect_route(p, 1, 1, false, false); /* the keyboard: identity */
	expect_route(p, 4, 4, false, false); /* COM1 */
	expect_route(p, 9, 9, false, true);  /* ACPI SCI */
	struct isa_route r;
	assert_false(platform_isa_route(p, 2, &r)); /* GSI 2 is IRQ 0's */
	assert_false(platform_isa_route(p, 16, &r));
}

/* ---- QEMU's real tables ------------------------------------------------------------ */

static void test_pc_tables(void **state)
{
	(void)state;
	struct blob rsdp_bytes = load_machine("pc");
	struct acpi_rsdp rsdp;
	struct platform p;

	assert_int_equal(rsdp_bytes.n, 20);
	assert_int_equal(acpi_rsdp_parse(rsdp_bytes.b, rsdp_bytes.n, &rsdp), 0);
	assert_int_equal(rsdp.revision, 0);
	assert_string_equal(rsdp.oem_id, "BOCHS ");
	assert_false(rsdp.has_xsdt);
	assert_int_equal(rsdp.rsdt_address, 0x7fe1b33);

	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	expect_qemu_madt(&p);
	assert_false(p.root_is_xsdt);
	assert_int_equal(p.root_address, 0x7fe1b33);
	assert_string_equal(p.oem_id, "BOCHS ");

	/* pc's FADT is ACPI 1.0 (revision 1, 116 bytes): no reset register,
	 * no IAPC_BOOT_ARCH. */
	assert_true(p.has_fadt);
	assert_int_equal(p.fadt_revision, 1);
	assert_false(p.has_reset_reg);
	assert_false(p.has_boot_arch);

	assert_int_equal(p.tables_seen, 5); /* the RSDT and its 4 entries */
	assert_int_equal(p.tables_untrusted, 0);
	assert_int_equal(mem.refused, 0);
	fake_log_expect_warnings(0);

	assert_int_equal(seen.n, 5);
	assert_string_equal(seen.sigs[0], "RSDT");
	assert_string_equal(seen.sigs[1], "FACP");
	assert_string_equal(seen.sigs[2], "APIC");
	assert_string_equal(seen.sigs[3], "HPET");
	assert_string_equal(seen.sigs[4], "WAET");
	assert_int_equal(seen.addrs[2], 0x7fe1a53);

	fake_log_clear();
	p.ioapics[0].gsi_count = 24; /* as acpi.c reads it from the IOAPIC */
	/* At the default level the overrides, the NMI wiring and "no MCFG"
	 * (the PCI line says the same) stay out of the boot log. */
	platform_print(&p);
	assert_int_equal(fake_log_count("override"), 0);
	assert_int_equal(fake_log_count("nmi"), 0);
	assert_int_equal(fake_log_count("MCFG"), 0);
	fake_log_expect("acpi: FADT has no reset register\n");
	fake_log_clear();
	log_set_level(LOG_DEBUG);
	platform_print(&p);
	fake_log_expect(
		"acpi: MADT: lapic 0xfee00000, 2 cpus (apic ids 0 1), 0 disabled, 0 over the limit; 8259s present\n");
	fake_log_expect("acpi: MADT: ioapic id 0 at 0xfec00000 gsi 0-23\n");
	fake_log_expect("acpi: MADT: override irq 0 -> gsi 2 flags 0x0 (edge, high)\n");
	fake_log_expect("acpi: MADT: override irq 9 -> gsi 9 flags 0xd (level, high)\n");
	fake_log_expect("acpi: MADT: lapic nmi on all cpus lint1 (conforming, conforming)\n");
	fake_log_expect("acpi: FADT has no reset register\n");
	fake_log_expect("acpi: FADT revision 1: no IAPC_BOOT_ARCH");
	assert_int_equal(fake_log_count("override"), 5);
	assert_false(p.has_mcfg); /* pc: configuration space through the ports */
	assert_null(platform_ecam_segment0(&p));
	fake_log_expect("acpi: no MCFG: PCI configuration space through ports 0xcf8/0xcfc\n");
}

/* x2APIC is wanted for an id the xAPIC cannot address (255 is its
 * broadcast) and for a CPU listed by an x2APIC entry, whatever its id. */
static void test_x2apic_is_wanted_for_high_ids_and_x2apic_entries(void **state)
{
	(void)state;
	struct platform p;
	unsigned high, x2;

	memset(&p, 0, sizeof(p));
	p.cpu_count = 2;
	p.cpus[0].apic_id = 0;
	p.cpus[1].apic_id = 254;
	assert_false(platform_wants_x2apic(&p, &high, &x2));
	p.cpus[1].apic_id = 255;
	assert_true(platform_wants_x2apic(&p, &high, &x2));
	assert_int_equal(high, 1);
	assert_int_equal(x2, 0);
	p.cpus[1] = (struct platform_cpu){ .apic_id = 3, .x2apic = true };
	assert_true(platform_wants_x2apic(&p, &high, &x2));
	assert_int_equal(high, 0);
	assert_int_equal(x2, 1);
}

static void test_q35_tables(void **state)
{
	(void)state;
	struct blob rsdp_bytes = load_machine("q35");
	struct acpi_rsdp rsdp;
	struct platform p;

	assert_int_equal(acpi_rsdp_parse(rsdp_bytes.b, rsdp_bytes.n, &rsdp), 0);
	assert_int_equal(rsdp.revision, 0);
	assert_int_equal(rsdp.rsdt_address, 0x7fe233c);

	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	expect_qemu_madt(&p);
	unsigned high, x2;
	assert_false(platform_wants_x2apic(&p, &high, &x2)); /* xAPIC ids only */
	assert_int_equal(high + x2, 0);

	/* q35's FADT is revision 3: the ICH9 reset register, and an 8042. */
	assert_true(p.has_fadt);
	assert_int_equal(p.fadt_revision, 3);
	assert_true(p.has_reset_reg);
	assert_int_equal(p.reset_reg.space, ACPI_SPACE_IO);
	assert_int_equal(p.reset_reg.address, 0xcf9);
	assert_int_equal(p.reset_reg.bit_width, 8);
	assert_int_equal(p.reset_value, 0x0f);
	assert_true(p.has_boot_arch);
	assert_int_equal(p.boot_arch, 0x2);
	assert_true(p.has_8042);

	assert_int_equal(p.tables_seen, 6); /* RSDT, FACP, APIC, HPET, MCFG, WAET */
	assert_int_equal(p.tables_untrusted, 0);
	assert_int_equal(seen.n, 6);
	assert_string_equal(seen.sigs[4], "MCFG");
	fake_log_expect_warnings(0);

	fake_log_clear();
	platform_print(&p);
	fake_log_expect("acpi: FADT reset register: io 0xcf9 value 0xf\n");
	fake_log_expect("acpi: FADT revision 3: IAPC_BOOT_ARCH 0x2, 8042 present\n");
	fake_log_expect("acpi: MADT: ioapic id 0 at 0xfec00000 gsi base 0\n");

	/* q35's MCFG: ECAM for all 256 buses of segment 0 at 0xb0000000. */
	assert_true(p.has_mcfg);
	assert_int_equal(p.ecam_count, 1);
	const struct platform_ecam *w = platform_ecam_segment0(&p);
	assert_non_null(w);
	assert_int_equal(w->base, 0xb0000000u);
	assert_int_equal(w->segment, 0);
	assert_int_equal(w->bus_start, 0);
	assert_int_equal(w->bus_end, 0xff);
	fake_log_expect("acpi: MCFG: ECAM for segment 0 buses 00-ff at 0xb0000000\n");
}

/* ---- MCFG ------------------------------------------------------------------------ */

static void test_mcfg_damage(void **state)
{
	(void)state;
	struct blob q35 = fixture_load(FIXTURES, "q35-mcfg.bin");
	assert_int_equal(q35.n, 60);
	struct platform p;
	memset(&p, 0, sizeof(p));

	assert_int_equal(acpi_mcfg_parse(q35.b, q35.n, &p), 0);
	assert_int_equal(p.ecam_count, 1);
	fake_log_expect_warnings(0);

	/* Three entries: the real one, one whose bus range is backwards, one
	 * not aligned to 1 MiB, then 3 odd bytes. */
	uint8_t t[44 + 3 * 16 + 3];
	memset(t, 0, sizeof(t));
	memcpy(t, q35.b, 60);
	fixture_put32(t + 4, sizeof(t));
	fixture_put64(t + 60, 0xc0000000u);
	t[60 + 10] = 0x20;
	t[60 + 11] = 0x10;
	fixture_put64(t + 76, 0xc0080000u);
	t[76 + 11] = 0x01;
	fix_checksum(t, sizeof(t));
	assert_int_equal(acpi_mcfg_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), 0);
	fake_log_expect("acpi: MCFG: 51 bytes of entries is not a whole number");
	fake_log_expect(
		"acpi: MCFG: entry at offset 60 (segment 0, buses 20-10 at 0xc0000000): its last bus is before its first: skipped");
	fake_log_expect(
		"acpi: MCFG: entry at offset 76 (segment 0, buses 00-01 at 0xc0080000): its base is 0 or not 1 MiB aligned: skipped");
	fake_log_expect_warnings(3);
	assert_int_equal(p.ecam_count, 1);
	assert_int_equal(p.mcfg_entries_bad, 2);
	assert_int_equal(p.ecam[0].base, 0xb0000000u);

	/* A bad checksum: not trusted, nothing kept. */
	fake_log_clear();
	t[20] ^= 1;
	assert_int_equal(acpi_mcfg_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), -1);
	assert_false(p.has_mcfg);
	assert_int_equal(p.ecam_count, 0);
	fake_log_expect("acpi: MCFG table: checksum over 95 bytes");

	/* Shorter than its fixed part. */
	fake_log_clear();
	memcpy(t, q35.b, 40);
	fixture_put32(t + 4, 40);
	fix_checksum(t, 40);
	assert_int_equal(acpi_mcfg_parse(fixture_exact(t, 40), 40, &p), -1);
	fake_log_expect("acpi: MCFG table: length 40 is shorter than its 44 fixed bytes");
}

/* ---- the iasl-built MADT ------------------------------------------------------------- */

static void expect_edge_madt(const struct platform *p)
{
	assert_true(p->has_madt);
	assert_int_equal(p->lapic_address, 0x1fee00000ull);
	assert_true(p->lapic_address_overridden);
	assert_false(p->has_8259);

	assert_int_equal(p->cpu_count, 3);
	assert_int_equal(p->cpus[0].apic_id, 0);
	assert_int_equal(p->cpus[0].acpi_uid, 0);
	assert_int_equal(p->cpus[1].apic_id, 4);
	assert_int_equal(p->cpus[1].acpi_uid, 2);
	assert_false(p->cpus[1].x2apic);
	assert_int_equal(p->cpus[2].apic_id, 0x100);
	assert_int_equal(p->cpus[2].acpi_uid, 300);
	assert_true(p->cpus[2].x2apic);
	assert_int_equal(p->cpus_disabled, 2); /* apic 2, and apic 6 (online capable) */
	assert_int_equal(p->cpus_dropped, 0);
	/* The x2APIC cpu (id 0x100) asks for x2APIC mode. */
	unsigned high = 9, x2 = 9;
	assert_true(platform_wants_x2apic(p, &high, &x2));
	assert_int_equal(high, 1);
	assert_int_equal(x2, 1);

	assert_int_equal(p->ioapic_count, 2);
	assert_int_equal(p->ioapics[0].id, 1);
	assert_int_equal(p->ioapics[0].address, 0xfec00000);
	assert_int_equal(p->ioapics[0].gsi_base, 0);
	assert_int_equal(p->ioapics[1].id, 2);
	assert_int_equal(p->ioapics[1].address, 0xfec01000);
	assert_int_equal(p->ioapics[1].gsi_base, 24);

	assert_int_equal(p->override_count, 5);
	expect_override(&p->overrides[0], 0, 2, ACPI_POLARITY_CONFORMING, ACPI_TRIGGER_CONFORMING);
	expect_override(&p->overrides[1], 9, 9, ACPI_POLARITY_LOW, ACPI_TRIGGER_LEVEL);
	expect_override(&p->overrides[2], 4, 20, ACPI_POLARITY_LOW, ACPI_TRIGGER_EDGE);
	expect_override(&p->overrides[3], 10, 30, ACPI_POLARITY_HIGH, ACPI_TRIGGER_LEVEL);
	expect_override(&p->overrides[4], 1, 1, ACPI_POLARITY_LOW, ACPI_TRIGGER_CONFORMING);

	assert_int_equal(p->nmi_source_count, 1);
	assert_int_equal(p->nmi_sources[0].gsi, 23);
	assert_int_equal(p->nmi_sources[0].polarity, ACPI_POLARITY_HIGH);
	assert_int_equal(p->nmi_sources[0].trigger, ACPI_TRIGGER_LEVEL);

	assert_int_equal(p->lapic_nmi_count, 2);
	assert_int_equal(p->lapic_nmis[0].acpi_uid, PLATFORM_ALL_CPUS);
	assert_int_equal(p->lapic_nmis[0].lint, 1);
	assert_int_equal(p->lapic_nmis[0].polarity, ACPI_POLARITY_HIGH);
	assert_int_equal(p->lapic_nmis[0].trigger, ACPI_TRIGGER_EDGE);
	assert_int_equal(p->lapic_nmis[1].acpi_uid, 300);
	assert_int_equal(p->lapic_nmis[1].lint, 0);
	assert_int_equal(p->lapic_nmis[1].polarity, ACPI_POLARITY_CONFORMING);

	assert_int_equal(p->madt_entries_unknown, 1); /* the I/O SAPIC */
	assert_int_equal(p->madt_entries_bad, 0);
}

static void test_edge_madt(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	struct platform p;

	memset(&p, 0xa5, sizeof(p)); /* the parser must clear what it owns */
	assert_int_equal(acpi_madt_parse(t.b, t.n, &p), 0);
	expect_edge_madt(&p);
	fake_log_expect_warnings(0);

	/* Routes: the flags are taken as written, conforming means ISA's. */
	expect_route(&p, 9, 9, true, true);
	expect_route(&p, 4, 20, true, false);
	expect_route(&p, 10, 30, false, true);
	expect_route(&p, 1, 1, true, false);
	expect_route(&p, 0, 2, false, false);
	expect_route(&p, 3, 3, false, false);
	struct isa_route r;
	assert_false(platform_isa_route(&p, 2, &r));

	/* Which IOAPIC serves a GSI: by base while the sizes are unknown... */
	assert_int_equal(platform_ioapic_for_gsi(&p, 5)->id, 1);
	assert_int_equal(platform_ioapic_for_gsi(&p, 24)->id, 2);
	assert_int_equal(platform_ioapic_for_gsi(&p, 30)->id, 2);
	/* ...and within their ranges once known. */
	p.ioapics[0].gsi_count = 24;
	p.ioapics[1].gsi_count = 8;
	assert_int_equal(platform_ioapic_for_gsi(&p, 23)->id, 1);
	assert_int_equal(platform_ioapic_for_gsi(&p, 31)->id, 2);
	assert_null(platform_ioapic_for_gsi(&p, 32));

	fake_log_clear();
	p.ioapics[1].gsi_count = 0;
	p.has_fadt = false; /* still 0xa5 bytes: the MADT parser leaves them be */
	p.has_mcfg = false;
	p.tables_untrusted = 0;
	log_set_level(LOG_DEBUG); /* the overrides and NMI wiring are debug lines */
	platform_print(&p);
	fake_log_expect(
		"acpi: MADT: lapic 0x1fee00000 (64-bit override), 3 cpus (apic ids 0 4 256), 2 disabled, 0 over the limit; no 8259s\n");
	fake_log_expect("acpi: MADT: ioapic id 1 at 0xfec00000 gsi 0-23\n");
	fake_log_expect("acpi: MADT: ioapic id 2 at 0xfec01000 gsi base 24\n");
	fake_log_expect("acpi: MADT: override irq 9 -> gsi 9 flags 0xf (level, low)\n");
	fake_log_expect("acpi: MADT: override irq 4 -> gsi 20 flags 0x7 (edge, low)\n");
	fake_log_expect("acpi: MADT: override irq 1 -> gsi 1 flags 0x3 (edge, low)\n");
	fake_log_expect("acpi: MADT: nmi source gsi 23 (level, high)\n");
	fake_log_expect("acpi: MADT: lapic nmi on all cpus lint1 (edge, high)\n");
	fake_log_expect("acpi: MADT: lapic nmi on cpu uid 300 lint0 (conforming, conforming)\n");
	fake_log_expect("acpi: MADT: 1 entries of unused types, 0 bad, 0 over the limits\n");
}

static void test_madt_bad_checksum(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	struct platform p;

	t.b[0x78] ^= 0x01; /* irq 0's GSI: 2 becomes 3 */
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(acpi_madt_parse(t.b, t.n, &p), -1);
	assert_false(p.has_madt);
	assert_int_equal(p.cpu_count, 0); /* nothing from an untrusted table */
	assert_int_equal(p.override_count, 0);
	assert_int_equal(p.ioapic_count, 0);
	fake_log_expect(
		"warning: acpi: MADT (APIC) table: checksum over 220 bytes sums to 0x01, not 0: not trusted\n");
	fake_log_expect_warnings(1);
}

static void test_madt_truncated(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	struct platform p;

	/* Every prefix is refused, and none is read past its end. */
	for (size_t n = 0; n < t.n; n++) {
		fake_log_clear();
		uint8_t *cut = fixture_exact(t.b, n);
		assert_int_equal(acpi_madt_parse(cut, n, &p), -1);
		assert_false(p.has_madt);
		fake_log_expect_warnings(1);
		fake_log_expect(n < 36 ? "less than the 36-byte header: not trusted" :
					 "truncated: length field 220 but only");
	}
	fake_log_clear();
	uint8_t *cut = fixture_exact(t.b, 219);
	acpi_madt_parse(cut, 219, &p);
	fake_log_expect(
		"warning: acpi: MADT (APIC) table: truncated: length field 220 but only 219 bytes readable: not trusted\n");

	/* The length field itself can be short: below the header, or with no
	 * room for the MADT's own fields. */
	uint8_t hdr[40];
	memcpy(hdr, t.b, sizeof(hdr));
	fixture_put32(hdr + 4, 30);
	fix_checksum(hdr, 30);
	fake_log_clear();
	assert_int_equal(acpi_madt_parse(fixture_exact(hdr, 40), 40, &p), -1);
	fake_log_expect("length field 30 is shorter than the 36-byte header: not trusted");
	fixture_put32(hdr + 4, 40);
	fix_checksum(hdr, 40);
	fake_log_clear();
	assert_int_equal(acpi_madt_parse(fixture_exact(hdr, 40), 40, &p), -1);
	fake_log_expect(
		"length 40 leaves no room for the local APIC address and flags: not trusted");
}

static void test_madt_wrong_signature(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "q35-fadt.bin");
	struct platform p;

	assert_int_equal(acpi_madt_parse(t.b, t.n, &p), -1);
	fake_log_expect("warning: acpi: MADT (APIC) table: signature is 'FACP': not trusted\n");
	fake_log_clear();
	assert_int_equal(acpi_fadt_parse(fixture_load(FIXTURES, "pc-madt.bin").b, 128, &p), -1);
	fake_log_expect("warning: acpi: FADT (FACP) table: signature is 'APIC': not trusted\n");
}

/* Found by tests/fuzz/fuzz_acpi_tables.c: with no expected signature
 * the check named the table after its first four bytes before checking
 * that there were four. */
static void test_table_shorter_than_a_signature(void **state)
{
	(void)state;
	static const uint8_t two[] = { 'A', 'P' };

	assert_false(acpi_table_valid(fixture_exact(two, 2), 2, NULL));
	fake_log_expect(
		"warning: acpi: ???? table: only 2 bytes readable, less than the 36-byte header: not trusted\n");
	fake_log_clear();
	assert_false(acpi_table_valid(fixture_exact(two, 0), 0, NULL));
	fake_log_expect("warning: acpi: ???? table: only 0 bytes readable");
}

/* The I/O SAPIC is the last entry, at offset 0xcc, 16 bytes long. */
#define EDGE_LAST_ENTRY 0xcc

static void test_madt_entry_past_end(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	struct platform p;

	t.b[EDGE_LAST_ENTRY + 1] = 0x11; /* one byte more than there is */
	fix_checksum(t.b, t.n);
	assert_int_equal(acpi_madt_parse(t.b, t.n, &p), 0);
	assert_int_equal(p.madt_entries_bad, 1);
	assert_int_equal(p.madt_entries_unknown, 0);
	assert_int_equal(p.cpu_count, 3); /* what came before stands */
	assert_int_equal(p.override_count, 5);
	fake_log_expect(
		"warning: acpi: MADT: entry at offset 204 (type 6, length 17) runs past the end of the table (220 bytes): the rest is ignored\n");
	fake_log_expect_warnings(1);
}

static void test_madt_zero_length_entry(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	struct platform p;

	t.b[44 + 8 + 1] = 0; /* the second CPU entry: a walker that trusts it loops forever */
	fix_checksum(t.b, t.n);
	assert_int_equal(acpi_madt_parse(t.b, t.n, &p), 0);
	assert_int_equal(p.cpu_count, 1);
	assert_int_equal(p.ioapic_count, 0);
	assert_int_equal(p.madt_entries_bad, 1);
	fake_log_expect(
		"warning: acpi: MADT: entry at offset 52 (type 0) has length 0: the rest of the table is ignored\n");
	fake_log_expect_warnings(1);
}

/* ---- MADTs built here, for what iasl will not write --------------------------------- */

struct madt {
	uint8_t b[2048];
	size_t n;
};

static void madt_start(struct madt *m, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "APIC", 4);
	m->b[8] = 5;
	memcpy(m->b + 10, "KNOCK ", 6);
	fixture_put32(m->b + 36, 0xfee00000);
	fixture_put32(m->b + 40, flags);
	m->n = 44;
}

static void madt_add(struct madt *m, uint8_t type, uint8_t len, const uint8_t *rest)
{
	assert_true(m->n + len <= sizeof(m->b));
	m->b[m->n] = type;
	m->b[m->n + 1] = len;
	if (len > 2)
		memcpy(m->b + m->n + 2, rest, len - 2u);
	m->n += len;
}

static void madt_cpu(struct madt *m, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[6] = { uid, apic_id };
	fixture_put32(e + 2, flags);
	madt_add(m, 0, 8, e);
}

static void madt_ioapic(struct madt *m, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t e[10] = { id, 0 };
	fixture_put32(e + 2, addr);
	fixture_put32(e + 6, gsi_base);
	madt_add(m, 1, 12, e);
}

static void madt_override(struct madt *m, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[8] = { 0, irq };
	fixture_put32(e + 2, gsi);
	e[6] = (uint8_t)flags;
	e[7] = (uint8_t)(flags >> 8);
	madt_add(m, 2, 10, e);
}

static uint8_t *madt_finish(struct madt *m)
{
	fixture_put32(m->b + 4, (uint32_t)m->n);
	fix_checksum(m->b, m->n);
	return fixture_exact(m->b, m->n);
}

static void test_madt_limits(void **state)
{
	(void)state;
	struct madt m;
	struct platform p;

	madt_start(&m, 1);
	for (unsigned i = 0; i < PLATFORM_MAX_CPUS + 4; i++)
		madt_cpu(&m, (uint8_t)i, (uint8_t)i, 1);
	madt_cpu(&m, 240, 240, 0);
	for (unsigned i = 0; i < PLATFORM_MAX_IOAPICS + 2; i++)
		madt_ioapic(&m, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < PLATFORM_MAX_OVERRIDES + 1; i++)
		madt_override(&m, (uint8_t)i, i, 0);
	assert_int_equal(acpi_madt_parse(madt_finish(&m), m.n, &p), 0);

	assert_int_equal(p.cpu_count, PLATFORM_MAX_CPUS);
	assert_int_equal(p.cpus[PLATFORM_MAX_CPUS - 1].apic_id, PLATFORM_MAX_CPUS - 1);
	assert_int_equal(p.cpus_dropped, 4);
	assert_int_equal(p.cpus_disabled, 1);
	assert_int_equal(p.ioapic_count, PLATFORM_MAX_IOAPICS);
	assert_int_equal(p.override_count, PLATFORM_MAX_OVERRIDES);
	assert_int_equal(p.madt_entries_dropped, 2 + 1);
	assert_null(strstr(fake_log, "warning: acpi: MADT lists")); /* the board says it */
	fake_log_expect("warning: acpi: MADT: more than 8 IOAPIC entries; ignoring the rest\n");
	fake_log_expect("warning: acpi: MADT: more than 16 override entries; ignoring the rest\n");
}

static void test_madt_odd_entries(void **state)
{
	(void)state;
	struct madt m;
	struct platform p;
	uint8_t nmi_lint2[4] = { 0xff, 0x05, 0x00, 0x02 };
	uint8_t x2apic_disabled[14] = { 0 };

	madt_start(&m, 0);
	madt_add(&m, 1, 8, (const uint8_t[6]){ 0 }); /* an IOAPIC entry 4 bytes short */
	madt_cpu(&m, 0, 0, 1);
	madt_cpu(&m, 1, 0, 1);            /* apic id 0 again */
	madt_override(&m, 9, 9, 0x000a);  /* reserved polarity and trigger */
	madt_override(&m, 9, 19, 0x000f); /* a second override for irq 9 */
	madt_add(&m, 4, 6, nmi_lint2);    /* LINT2 does not exist */
	fixture_put32(x2apic_disabled + 2, 7);
	madt_add(&m, 9, 16, x2apic_disabled);           /* a disabled x2APIC cpu */
	madt_add(&m, 0x7f, 4, (const uint8_t[2]){ 0 }); /* a type from the future */
	m.b[m.n++] = 0;                                 /* a stray byte at the end */
	assert_int_equal(acpi_madt_parse(madt_finish(&m), m.n, &p), 0);

	assert_int_equal(p.ioapic_count, 0);
	assert_int_equal(p.cpu_count, 1);
	assert_int_equal(p.cpus_disabled, 1);
	assert_int_equal(p.override_count, 1);
	expect_override(&p.overrides[0], 9, 9, ACPI_POLARITY_CONFORMING, ACPI_TRIGGER_CONFORMING);
	assert_int_equal(p.lapic_nmi_count, 0);
	assert_int_equal(p.madt_entries_unknown, 1);
	assert_int_equal(p.madt_entries_bad, 4); /* short, second override, LINT2, stray byte */
	fake_log_expect(
		"warning: acpi: MADT: type 1 entry at offset 44 has length 8, needs 12: skipped\n");
	fake_log_expect(
		"warning: acpi: MADT: override for irq 9 has reserved flags 0xa; reading them as conforming\n");
	fake_log_expect(
		"warning: acpi: MADT: second override for bus 0 irq 9 (offset 78): ignored, the first stands\n");
	fake_log_expect("names LINT2; there are only LINT0 and LINT1: skipped\n");
	fake_log_expect("warning: acpi: MADT: a stray byte at offset");
	fake_log_expect_warnings(5);
}

/* Damage at random, checksum fixed so the damage gets past it: whatever the
 * bytes say, the parser stays inside them and within its limits. */
static void test_madt_random_damage(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-madt.bin");
	uint8_t orig[220];
	uint32_t seed = 12345;
	struct platform p;

	assert_int_equal(t.n, sizeof(orig));
	memcpy(orig, t.b, sizeof(orig));
	log_remove_all_sinks(); /* thousands of warnings: not the point here */
	for (int round = 0; round < 3000; round++) {
		uint8_t *copy = fixture_exact(orig, sizeof(orig));
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = 44 + (seed >> 8) % (sizeof(orig) - 44);
			copy[at] = (uint8_t)(seed >> 24);
		}
		fix_checksum(copy, sizeof(orig));
		assert_int_equal(acpi_madt_parse(copy, sizeof(orig), &p), 0);
		assert_true(p.cpu_count <= PLATFORM_MAX_CPUS);
		assert_true(p.ioapic_count <= PLATFORM_MAX_IOAPICS);
		assert_true(p.override_count <= PLATFORM_MAX_OVERRIDES);
		assert_true(p.lapic_nmi_count <= PLATFORM_MAX_LAPIC_NMIS);
		assert_true(p.nmi_source_count <= PLATFORM_MAX_NMI_SOURCES);
		fixture_free_all(); /* this round's copy (and, once, the fixture's) */
	}
}

/* ---- FADT ------------------------------------------------------------------------------ */

static void test_edge_fadt(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "edge-fadt.bin");
	struct platform p;

	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(acpi_fadt_parse(t.b, t.n, &p), 0);
	assert_true(p.has_fadt);
	assert_int_equal(p.fadt_revision, 6);
	assert_true(p.has_reset_reg);
	assert_int_equal(p.reset_reg.space, ACPI_SPACE_MEMORY);
	assert_int_equal(p.reset_reg.address, 0xfed00080);
	assert_int_equal(p.reset_reg.bit_width, 8);
	assert_int_equal(p.reset_reg.access_size, 1);
	assert_int_equal(p.reset_value, 0x0e);
	assert_true(p.has_boot_arch);
	assert_int_equal(p.boot_arch, 0x1);
	assert_false(p.has_8042);
	fake_log_expect_warnings(0);

	p.has_madt = false;
	p.has_mcfg = false;
	p.tables_untrusted = 0;
	fake_log_clear();
	platform_print(&p);
	fake_log_expect("acpi: FADT reset register: memory 0xfed00080 value 0xe\n");
	fake_log_expect("acpi: FADT revision 6: IAPC_BOOT_ARCH 0x1, 8042 absent\n");
	fake_log_expect("acpi: no trusted MADT\n");
}

static void test_fadt_reset_register_cases(void **state)
{
	(void)state;
	struct blob q35 = fixture_load(FIXTURES, "q35-fadt.bin");
	struct platform p;
	uint8_t t[244];

	/* RESET_REG_SUP (flags bit 10, byte 113 bit 2) clear: no register,
	 * even though the GAS is filled in. */
	memcpy(t, q35.b, sizeof(t));
	t[113] &= (uint8_t)~0x04;
	fix_checksum(t, sizeof(t));
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), 0);
	assert_true(p.has_fadt);
	assert_false(p.has_reset_reg);

	/* An address space knock cannot write (5 = SMBus). */
	memcpy(t, q35.b, sizeof(t));
	t[116] = 5;
	fix_checksum(t, sizeof(t));
	fake_log_clear();
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), 0);
	assert_false(p.has_reset_reg);
	fake_log_expect(
		"warning: acpi: FADT: reset register in address space 5 at 0xcf9 is not usable: ignored\n");

	/* PCI configuration space is fine. */
	memcpy(t, q35.b, sizeof(t));
	t[116] = ACPI_SPACE_PCI_CONFIG;
	fixture_put64(t + 120, 0x0000001f00000044ull); /* device 31, function 0, offset 0x44 */
	fix_checksum(t, sizeof(t));
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), 0);
	assert_true(p.has_reset_reg);
	assert_int_equal(p.reset_reg.address, 0x0000001f00000044ull);

	/* A table that ends inside the reset register, flag or not. */
	memcpy(t, q35.b, sizeof(t));
	fixture_put32(t + 4, 128);
	fix_checksum(t, 128);
	fake_log_clear();
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, 128), 128, &p), 0);
	assert_false(p.has_reset_reg);
	fake_log_expect(
		"acpi: FADT: RESET_REG_SUP is set but the table (128 bytes) ends before the reset register\n");
	fake_log_expect_warnings(0);

	/* Shorter than ACPI 1.0's FADT: no flags at all. */
	fixture_put32(t + 4, 100);
	fix_checksum(t, 100);
	fake_log_clear();
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, 100), 100, &p), 0);
	assert_false(p.has_reset_reg);
	fake_log_expect("warning: acpi: FADT: only 100 bytes, shorter than ACPI 1.0's 116");
}

static void test_fadt_boot_arch_needs_revision_3(void **state)
{
	(void)state;
	struct blob q35 = fixture_load(FIXTURES, "q35-fadt.bin");
	struct platform p;
	uint8_t t[244];

	memcpy(t, q35.b, sizeof(t));
	t[8] = 2;
	fix_checksum(t, sizeof(t));
	assert_int_equal(acpi_fadt_parse(fixture_exact(t, sizeof(t)), sizeof(t), &p), 0);
	assert_false(p.has_boot_arch);
	assert_false(p.has_8042);
	assert_true(p.has_reset_reg); /* the reset register was there from 2 */
}

static void test_fadt_bad_checksum(void **state)
{
	(void)state;
	struct blob t = fixture_load(FIXTURES, "q35-fadt.bin");
	struct platform p;

	t.b[128] = 0x06; /* the reset value: 0x0f becomes 0x06 */
	assert_int_equal(acpi_fadt_parse(t.b, t.n, &p), -1);
	assert_false(p.has_fadt);
	assert_false(p.has_reset_reg);
	fake_log_expect(
		"warning: acpi: FADT (FACP) table: checksum over 244 bytes sums to 0xf7, not 0: not trusted\n");
	fake_log_clear();
	assert_int_equal(acpi_fadt_parse(fixture_exact(t.b, 200), 200, &p), -1);
	fake_log_expect(
		"warning: acpi: FADT (FACP) table: truncated: length field 244 but only 200 bytes readable: not trusted\n");
}

/* ---- RSDP ------------------------------------------------------------------------------ */

static void test_rsdp_v1(void **state)
{
	(void)state;
	struct blob b = fixture_load(FIXTURES, "pc-rsdp.bin");
	struct acpi_rsdp r;

	assert_int_equal(acpi_rsdp_parse(b.b, 20, &r), 0);
	assert_int_equal(acpi_rsdp_parse(fixture_exact(b.b, 19), 19, &r), -1);
	fake_log_expect(
		"warning: acpi: RSDP: only 19 bytes, an ACPI 1.0 RSDP has 20: not trusted\n");

	/* Every byte of the 20 is covered by the checksum. */
	for (size_t i = 8; i < 20; i++) {
		uint8_t *bad = fixture_exact(b.b, 20);
		bad[i] = (uint8_t)(bad[i] + 0x40);
		fake_log_clear();
		assert_int_equal(acpi_rsdp_parse(bad, 20, &r), -1);
		fake_log_expect(
			"checksum over its first 20 bytes sums to 0x40, not 0: not trusted");
	}
	uint8_t *bad = fixture_exact(b.b, 20);
	bad[3] = '\n';
	fake_log_clear();
	assert_int_equal(acpi_rsdp_parse(bad, 20, &r), -1);
	fake_log_expect(
		"warning: acpi: RSDP: signature is 'RSD?PTR ', not 'RSD PTR ': not trusted\n");

	/* No RSDT and no XSDT: nothing to walk. */
	uint8_t zero[20];
	memcpy(zero, b.b, 20);
	memset(zero + 16, 0, 4);
	zero[8] = 0;
	uint8_t sum = 0;
	for (int i = 0; i < 20; i++)
		sum = (uint8_t)(sum + zero[i]);
	zero[8] = (uint8_t)(0x100 - sum);
	fake_log_clear();
	assert_int_equal(acpi_rsdp_parse(fixture_exact(zero, 20), 20, &r), -1);
	fake_log_expect("no RSDT address and no usable XSDT");
}

static void test_rsdp_v2(void **state)
{
	(void)state;
	struct blob b = fixture_load(FIXTURES, "edge-rsdp.bin");
	struct acpi_rsdp r;

	assert_int_equal(b.n, 36);
	assert_int_equal(acpi_rsdp_parse(b.b, 36, &r), 0);
	assert_int_equal(r.revision, 2);
	assert_string_equal(r.oem_id, "KNOCK ");
	assert_true(r.has_xsdt);
	assert_int_equal(r.xsdt_address, 0x100000000ull);
	assert_int_equal(r.rsdt_address, 0x7fe1b33);
	fake_log_expect_warnings(0);

	/* Only the 1.0 part (a Multiboot2 "old ACPI" copy): the RSDT. */
	assert_int_equal(acpi_rsdp_parse(fixture_exact(b.b, 20), 20, &r), 0);
	assert_false(r.has_xsdt);
	fake_log_expect_warnings(0);

	/* Bytes 20-35 are covered by the extended checksum only: damage there
	 * leaves a usable 1.0 RSDP and an untrusted XSDT. */
	for (size_t i = 20; i < 36; i++) {
		uint8_t *bad = fixture_exact(b.b, 36);
		bad[i] = (uint8_t)(bad[i] + 1);
		fake_log_clear();
		assert_int_equal(acpi_rsdp_parse(bad, 36, &r), 0);
		assert_false(r.has_xsdt);
		assert_int_equal(r.rsdt_address, 0x7fe1b33);
		fake_log_expect_warnings(1);
		fake_log_expect(
			i < 24 ?
				"XSDT not trusted, using the RSDT" /* the length */
				:
				"extended checksum over 36 bytes sums to 0x01, not 0: XSDT not trusted, using the RSDT");
	}
}

static void test_rsdp_scan(void **state)
{
	(void)state;
	struct blob good = fixture_load(FIXTURES, "pc-rsdp.bin");
	uint8_t area[0x214];

	memset(area, 0, sizeof(area));
	memcpy(area + 0x100, good.b, 20);
	area[0x100 + 12] ^= 1;            /* a stale copy: bad checksum */
	memcpy(area + 0x128, good.b, 20); /* not on a 16-byte boundary */
	memcpy(area + 0x200, good.b, 20); /* the real one, at the very end */
	assert_int_equal(acpi_rsdp_scan(fixture_exact(area, sizeof(area)), sizeof(area)), 0x200);
	/* One byte short of it: not found, and not read past the end. */
	assert_int_equal(acpi_rsdp_scan(fixture_exact(area, sizeof(area) - 1), sizeof(area) - 1),
			 -1);
	assert_int_equal(acpi_rsdp_scan(fixture_exact(area, 10), 10), -1);
	assert_int_equal(acpi_rsdp_scan(fixture_exact(area, 0), 0), -1);
	fake_log_expect_warnings(0);
}

/* ---- walking ---------------------------------------------------------------------------- */

static void load_edge_xsdt_machine(struct blob *rsdp, struct blob *xsdt)
{
	*rsdp = fixture_load(FIXTURES, "edge-rsdp.bin");
	*xsdt = fixture_load(FIXTURES, "edge-xsdt.bin");
	struct blob madt = fixture_load(FIXTURES, "edge-madt.bin"),
		    fadt = fixture_load(FIXTURES, "edge-fadt.bin");
	fixture_mem_add(&mem, 0x100000000ull, xsdt->b, xsdt->n);
	fixture_mem_add(&mem, 0x100001000ull, madt.b, madt.n);
	fixture_mem_add(&mem, 0x7f00000, fadt.b, fadt.n);
}

static void test_xsdt_walk(void **state)
{
	(void)state;
	struct blob rsdp_bytes, xsdt;
	struct acpi_rsdp rsdp;
	struct platform p;

	load_edge_xsdt_machine(&rsdp_bytes, &xsdt);
	assert_int_equal(acpi_rsdp_parse(rsdp_bytes.b, rsdp_bytes.n, &rsdp), 0);
	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	assert_true(p.root_is_xsdt);
	assert_int_equal(p.root_address, 0x100000000ull);
	assert_int_equal(p.rsdp_revision, 2);
	expect_edge_madt(&p);
	assert_int_equal(p.reset_reg.address, 0xfed00080);
	assert_int_equal(p.tables_seen, 3);
	assert_int_equal(p.tables_untrusted, 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.addrs[1], 0x100001000ull);
	fake_log_expect_warnings(0);
}

static void test_xsdt_bad_falls_back_to_rsdt(void **state)
{
	(void)state;
	struct blob rsdp_bytes, xsdt;
	struct acpi_rsdp rsdp;
	struct platform p;

	load_edge_xsdt_machine(&rsdp_bytes, &xsdt);
	load_machine("pc"); /* the RSDP's RSDT address is pc's RSDT */
	xsdt.b[40] ^= 0x10; /* the MADT's address: now unchecksummed */
	assert_int_equal(acpi_rsdp_parse(rsdp_bytes.b, rsdp_bytes.n, &rsdp), 0);
	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	assert_false(p.root_is_xsdt);
	assert_int_equal(p.root_address, 0x7fe1b33);
	expect_qemu_madt(&p); /* not a trace of the edge MADT */
	assert_int_equal(p.fadt_revision, 1);
	assert_int_equal(p.tables_untrusted, 1);
	fake_log_expect(
		"warning: acpi: XSDT table: checksum over 52 bytes sums to 0x10, not 0: not trusted\n");
	fake_log_expect("warning: acpi: falling back from the XSDT to the RSDT\n");
	fake_log_expect_warnings(2);
}

/* An RSDT built here around whatever entries a test wants. */
static uint8_t *rsdt_of(const uint32_t *entries, size_t count, size_t extra, size_t *len)
{
	uint8_t t[256] = { 0 };
	*len = 36 + 4 * count + extra;
	assert_true(*len <= sizeof(t));
	memcpy(t, "RSDT", 4);
	fixture_put32(t + 4, (uint32_t)*len);
	t[8] = 1;
	for (size_t i = 0; i < count; i++)
		fixture_put32(t + 36 + 4 * i, entries[i]);
	fix_checksum(t, *len);
	return fixture_exact(t, *len);
}

static void test_walk_skips_bad_entries(void **state)
{
	(void)state;
	struct blob madt = fixture_load(FIXTURES, "edge-madt.bin"),
		    pc_madt = fixture_load(FIXTURES, "pc-madt.bin");
	struct blob fadt = fixture_load(FIXTURES, "q35-fadt.bin");
	uint8_t huge[36];
	struct acpi_rsdp rsdp = { .revision = 0, .rsdt_address = 0x1000 };
	struct platform p;
	size_t len;

	fadt.b[200] ^= 0xff; /* untrusted */
	memcpy(huge, madt.b, 36);
	fixture_put32(huge + 4, 0x7fffffff); /* a length no table has */
	const uint32_t entries[] = { 0x3000, 0, 0xdead000, 0x4000, 0x5000, 0x6000 };
	uint8_t *rsdt = rsdt_of(entries, 6, 0, &len);
	fixture_mem_add(&mem, 0x1000, rsdt, len);
	fixture_mem_add(&mem, 0x3000, madt.b, madt.n);
	fixture_mem_add(&mem, 0x4000, fadt.b, fadt.n);
	fixture_mem_add(&mem, 0x5000, fixture_exact(huge, 36), 36);
	fixture_mem_add(&mem, 0x6000, pc_madt.b, pc_madt.n);

	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	expect_edge_madt(&p); /* the first MADT stands */
	assert_false(p.has_fadt);
	assert_int_equal(p.tables_seen, 7);
	assert_int_equal(p.tables_untrusted, 4); /* null, unreadable, bad checksum, huge */
	fake_log_expect("warning: acpi: RSDT entry 1 is a null address: skipped\n");
	fake_log_expect("warning: acpi: RSDT entry 2 at 0xdead000 cannot be read: skipped\n");
	fake_log_expect("warning: acpi: FADT (FACP) table: checksum over 244 bytes");
	fake_log_expect(
		"warning: acpi: RSDT entry 4 at 0x5000 ('APIC'): length field 2147483647 is not plausible: not trusted\n");
	fake_log_expect("warning: acpi: a second MADT at 0x6000: ignored, the first one stands\n");
	fake_log_expect_warnings(5);
	assert_int_equal(seen.n, 3); /* the RSDT and both MADTs passed their checks */
}

static void test_walk_root_problems(void **state)
{
	(void)state;
	struct blob madt = fixture_load(FIXTURES, "pc-madt.bin");
	struct acpi_rsdp rsdp = { .revision = 0, .rsdt_address = 0x1000 };
	struct platform p;
	size_t len;

	/* Two odd bytes after the one entry. */
	const uint32_t one[] = { 0x3000 };
	uint8_t *rsdt = rsdt_of(one, 1, 2, &len);
	fixture_mem_add(&mem, 0x1000, rsdt, len);
	fixture_mem_add(&mem, 0x3000, madt.b, madt.n);
	struct acpi_memory m = acpi_mem();
	assert_int_equal(acpi_walk(&rsdp, &m, &p), 0);
	assert_true(p.has_madt);
	fake_log_expect(
		"warning: acpi: RSDT: 6 bytes of entries is not a whole number of 4-byte addresses; the odd bytes are ignored\n");

	/* A root that cannot be read, and one that is not an RSDT. */
	fake_log_clear();
	rsdp.rsdt_address = 0x9000;
	assert_int_equal(acpi_walk(&rsdp, &m, &p), -1);
	fake_log_expect("warning: acpi: RSDT at 0x9000 cannot be read: skipped\n");
	fake_log_clear();
	rsdp.rsdt_address = 0x3000;
	assert_int_equal(acpi_walk(&rsdp, &m, &p), -1);
	assert_false(p.has_madt);
	fake_log_expect("warning: acpi: RSDT table: signature is 'APIC': not trusted\n");

	/* A root whose bytes run out before its length field says. */
	fake_log_clear();
	mem.count = 0;
	fixture_mem_add(&mem, 0x1000, rsdt, len - 1);
	rsdp.rsdt_address = 0x1000;
	assert_int_equal(acpi_walk(&rsdp, &m, &p), -1);
	fake_log_expect(
		"warning: acpi: RSDT at 0x1000: its 42 bytes cannot be read: not trusted\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pc_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_q35_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mcfg_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_x2apic_is_wanted_for_high_ids_and_x2apic_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_madt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_wrong_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_shorter_than_a_signature, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_madt_entry_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_zero_length_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_odd_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_random_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_fadt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_reset_register_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt_boot_arch_needs_revision_3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fadt_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xsdt_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xsdt_bad_falls_back_to_rsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_skips_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_root_problems, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
