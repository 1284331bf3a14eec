/*
 * chips/x86_64/mptable_parse.c: QEMU's real MP tables (-machine pc,acpi=off
 * with -smp 1 and -smp 2, dumped by tools/mptable_dump.py into
 * tests/data/mptable/) are found where SeaBIOS put them and parse to
 * exactly what those machines have, and the platform they give routes ISA
 * IRQs as the table says; every kind of damage (bad checksums, lengths
 * past the end, entry counts too large, unknown entry types, a table
 * outside readable memory) costs a warning, and a table that fails a
 * check is not used.
 *
 * Tables handed to a parser sit in malloc'd blocks of exactly their size,
 * one byte past a malloc'd start, so ASan reports a read past the end and
 * UBSan a misaligned access. Fixtures are read relative to the repository
 * root, where `make unit` runs the tests.
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
#include "chips/x86_64/mptable_parse.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fixture.h"

#define FIXTURES "tests/data/mptable/"
#define FSEG 0xf0000u
#define QEMU_FLOATING 0xf5bb0u /* where SeaBIOS put them (pc-smpN.txt) */
#define QEMU_CONFIG 0xf5bc0u

/* The MP checksum of the n bytes at t, made good again through byte `at`. */
static void fix_sum(uint8_t *t, size_t n, size_t at)
{
	uint8_t sum = 0;
	t[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + t[i]);
	t[at] = (uint8_t)(0x100 - sum);
}

/* ---- fake physical memory (fixture.h) ------------------------------------------ */

static struct fixture_memory mem;

static void place_file(void *ctx, const char *what, uint64_t addr, struct blob b)
{
	struct blob *fseg = ctx;

	if (!strcmp(what, "fseg")) {
		assert_int_equal(addr, FSEG);
		*fseg = b;
	}
	if (strcmp(what, "config") != 0) /* the config table is inside the F segment */
		fixture_mem_add(&mem, addr, b.b, b.n);
}

/* A machine's dump, every file at its address (from pc-smpN.txt); the F
 * segment is returned, for the scan. */
static struct blob load_machine(const char *machine)
{
	char manifest[64];
	struct blob fseg = { NULL, 0 };

	snprintf(manifest, sizeof(manifest), "%s.txt", machine);
	fixture_load_dump(FIXTURES, manifest, place_file, &fseg);
	assert_non_null(fseg.b);
	return fseg;
}

/* The configuration table's own fixture, for editing. */
static struct blob qemu_config(void)
{
	struct blob b = fixture_load(FIXTURES, "pc-smp1-config.bin");
	assert_int_equal(b.n, 192);
	return b;
}

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	memset(&mem, 0, sizeof(mem));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_all();
	return 0;
}

static void expect_route(const struct platform *p, unsigned irq, unsigned gsi)
{
	struct isa_route r;
	if (!platform_isa_route(p, irq, &r))
		fail_msg("ISA IRQ %u not routed", irq);
	assert_int_equal(r.gsi, gsi);
	assert_false(r.active_low);
	assert_false(r.level);
	assert_non_null(platform_ioapic_for_gsi(p, r.gsi));
}

/* ---- QEMU's tables -------------------------------------------------------------- */

/* Find, read and use QEMU's table for `machine`; `logical` as CPUID says. */
static void qemu_machine(const char *machine, unsigned logical, struct mp_config *mc,
			 struct platform *p)
{
	struct blob fseg = load_machine(machine);
	struct mp_floating fp;

	long at = mp_floating_scan(fseg.b, fseg.n);
	assert_int_equal(at, QEMU_FLOATING - FSEG);
	assert_int_equal(mp_floating_parse(fseg.b + at, fseg.n - (size_t)at, &fp), 0);
	assert_int_equal(fp.config_address, QEMU_CONFIG);
	assert_int_equal(fp.spec_rev, 4);
	assert_int_equal(fp.default_config, 0);
	assert_false(fp.imcr); /* QEMU: virtual wire, no IMCR */

	assert_int_equal(mp_config_read(&fp, fixture_mem_map, &mem, mc), 0);
	assert_string_equal(mc->oem_id, "BOCHSCPU");
	assert_string_equal(mc->product_id, "0.1");
	assert_int_equal(mc->lapic_address, 0xfee00000u);
	assert_int_equal(mc->entry_count, 17);
	assert_int_equal(mc->entries_read, 17);
	assert_int_equal(mc->entries_dropped, 0);
	assert_false(mc->extended_trusted);

	/* SeaBIOS lists the first logical CPU of each package only. */
	assert_int_equal(mc->cpu_count, 1);
	assert_int_equal(mc->cpus[0].apic_id, 0);
	assert_true(mc->cpus[0].enabled);
	assert_true(mc->cpus[0].bsp);

	assert_int_equal(mc->bus_count, 2);
	assert_int_equal(mc->buses[0].id, 0);
	assert_string_equal(mc->buses[0].type, "PCI");
	assert_int_equal(mc->buses[1].id, 1);
	assert_string_equal(mc->buses[1].type, "ISA");
	assert_int_equal(mp_isa_bus(mc), 1);

	assert_int_equal(mc->ioapic_count, 1);
	assert_int_equal(mc->ioapics[0].id, 0);
	assert_true(mc->ioapics[0].enabled);
	assert_int_equal(mc->ioapics[0].address, 0xfec00000u);

	/* ISA IRQs 0 (to pin 2), 1, 3, 4, 6, 7, 8, 12-15; not 2 (the
	 * cascade) nor 5, 9, 10, 11 (PCI's). */
	static const uint8_t irqs[] = { 0, 1, 3, 4, 6, 7, 8, 12, 13, 14, 15 };
	assert_int_equal(mc->io_int_count, sizeof(irqs));
	for (unsigned i = 0; i < sizeof(irqs); i++) {
		const struct mp_int *e = &mc->io_ints[i];
		assert_int_equal(e->type, MP_INT_INT);
		assert_int_equal(e->src_bus, 1);
		assert_int_equal(e->src_irq, irqs[i]);
		assert_int_equal(e->dst_id, 0);
		assert_int_equal(e->dst_pin, irqs[i] ? irqs[i] : 2);
		assert_int_equal(e->polarity, ACPI_POLARITY_CONFORMING);
		assert_int_equal(e->trigger, ACPI_TRIGGER_CONFORMING);
	}
	assert_int_equal(mc->local_int_count, 2);
	assert_int_equal(mc->local_ints[0].type, MP_INT_EXTINT);
	assert_int_equal(mc->local_ints[0].dst_id, 0);
	assert_int_equal(mc->local_ints[0].dst_pin, 0);
	assert_int_equal(mc->local_ints[1].type, MP_INT_NMI);
	assert_int_equal(mc->local_ints[1].dst_id, MP_ALL_APICS);
	assert_int_equal(mc->local_ints[1].dst_pin, 1);

	const uint32_t entries[] = { 24 };
	memset(p, 0, sizeof(*p));
	p->has_fadt = true; /* not the MP table's: must survive */
	assert_int_equal(mptable_to_platform(&fp, mc, entries, logical, p), 0);
	assert_true(p->has_fadt);
	assert_false(p->has_madt);
	assert_true(p->isa_routes_listed);
	assert_true(p->has_8259);
	assert_int_equal(p->lapic_address, 0xfee00000u);
	assert_int_equal(p->ioapic_count, 1);
	assert_int_equal(p->ioapics[0].gsi_base, 0);
	assert_int_equal(p->ioapics[0].gsi_count, 24);
	assert_int_equal(p->override_count, sizeof(irqs));
	assert_int_equal(p->lapic_nmi_count, 1);
	assert_int_equal(p->lapic_nmis[0].acpi_uid, PLATFORM_ALL_CPUS);
	assert_int_equal(p->lapic_nmis[0].lint, 1);

	/* What the board needs: the timer, keyboard and COM1. */
	expect_route(p, 0, 2);
	expect_route(p, 1, 1);
	expect_route(p, 4, 4);
	expect_route(p, 8, 8);
	struct isa_route r;
	assert_false(platform_isa_route(p, 2, &r)); /* the cascade: no entry */
	assert_false(platform_isa_route(p, 5, &r)); /* ACPI's identity rule would say 5 */

	mp_config_print(&fp, mc);
	fake_log_expect("mptable: spec 1.4, OEM 'BOCHSCPU' product '0.1', lapic 0xfee00000, 17 "
			"entries, virtual wire");
	fake_log_expect("mptable: buses: 0 PCI, 1 ISA");
	fake_log_expect("mptable: INT ISA irq 0 -> ioapic 0 pin 2 (conforming, conforming)");
	fake_log_expect("mptable: local ExtINT from ISA irq 0 -> apic 0 lint0");
	fake_log_expect("mptable: local NMI from ISA irq 0 -> all cpus lint1");
	fake_log_expect_warnings(0);
}

static struct mp_config mc;
static struct platform plat;

static void test_qemu_smp1(void **state)
{
	(void)state;
	qemu_machine("pc-smp1", 1, &mc, &plat);
	assert_int_equal(mc.cpus[0].features & (1u << 28), 0); /* no HTT */
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.cpus[0].apic_id, 0);
	assert_int_equal(plat.cpus[0].acpi_uid, 0);
	fake_log_expect("mptable: 1 processors: apic ids 0 (bsp)");
}

/* -smp 2 on QEMU 7.2 is one package of two cores: the table lists APIC id
 * 0 only, CPUID says two logical CPUs a package, and the platform gets
 * both. */
static void test_qemu_smp2(void **state)
{
	(void)state;
	qemu_machine("pc-smp2", 2, &mc, &plat);
	assert_int_not_equal(mc.cpus[0].features & (1u << 28), 0); /* HTT */
	assert_int_equal(plat.cpu_count, 2);
	assert_int_equal(plat.cpus[0].apic_id, 0);
	assert_int_equal(plat.cpus[1].apic_id, 1);
	assert_int_equal(plat.cpus[1].acpi_uid, 1);
}

/* Without the CPUID hint the table's one CPU is all there is. */
static void test_qemu_smp2_listed_only(void **state)
{
	(void)state;
	qemu_machine("pc-smp2", 1, &mc, &plat);
	assert_int_equal(plat.cpu_count, 1);
}

/* The EBDA is scanned first, then base memory, then the F segment; the
 * QEMU dumps hold no stale floating pointer anywhere but in the F segment. */
static void test_qemu_ebda_has_none(void **state)
{
	(void)state;
	struct blob ebda = fixture_load(FIXTURES, "pc-smp1-ebda.bin");
	assert_int_equal(mp_floating_scan(ebda.b, ebda.n), -1);
}

/* ---- the floating pointer ------------------------------------------------------- */

static uint8_t *qemu_floating(void)
{
	struct blob fseg = fixture_load(FIXTURES, "pc-smp1-fseg.bin");
	return fixture_exact(fseg.b + (QEMU_FLOATING - FSEG), MP_FLOATING_BYTES);
}

static void test_floating_bad_checksum(void **state)
{
	(void)state;
	struct mp_floating fp;
	uint8_t *f = qemu_floating();
	f[4] ^= 0x10; /* the address, checksum not fixed */
	assert_int_equal(mp_floating_scan(f, MP_FLOATING_BYTES), -1);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), -1);
	fake_log_expect("mptable: floating pointer: checksum sums to 0x10, not 0: not trusted");
	fake_log_expect_warnings(1);
}

static void test_floating_short_and_wrong(void **state)
{
	(void)state;
	struct mp_floating fp;
	uint8_t *f = qemu_floating();

	assert_int_equal(mp_floating_parse(f, 15, &fp), -1);
	fake_log_expect("only 15 bytes, it has 16");
	f[8] = 2; /* two paragraphs */
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_scan(f, MP_FLOATING_BYTES), -1);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), -1);
	fake_log_expect("length 2 paragraphs");
	f[8] = 1;
	f[1] = 'X';
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), -1);
	fake_log_expect("signature is '_XP_', not '_MP_'");
	fake_log_expect_warnings(3);
	/* Too short to scan: nothing, and no read past the end. */
	assert_int_equal(mp_floating_scan(f, 8), -1);
}

/* A stale candidate (bad checksum) before the good one does not stop the
 * scan; a candidate that is not on a 16-byte boundary is not one. */
static void test_floating_scan_skips_stale(void **state)
{
	(void)state;
	uint8_t area[64] = { 0 };
	uint8_t *good = qemu_floating();
	memcpy(area, good, 16);
	area[10] ^= 1;               /* stale: bad checksum */
	memcpy(area + 24, good, 16); /* misaligned copy */
	uint8_t *a = fixture_exact(area, sizeof(area));
	assert_int_equal(mp_floating_scan(a, sizeof(area)), -1);
	memcpy(area + 48, good, 16);
	a = fixture_exact(area, sizeof(area));
	assert_int_equal(mp_floating_scan(a, sizeof(area)), 48);
	fake_log_expect_warnings(0);
}

static void test_default_configuration(void **state)
{
	(void)state;
	struct mp_floating fp;
	uint8_t *f = qemu_floating();

	fixture_put32(f + 4, 0);
	f[11] = 5; /* ISA + PCI, integrated APICs */
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), 0);
	assert_int_equal(fp.default_config, 5);
	assert_int_equal(mp_config_read(&fp, fixture_mem_map, &mem, &mc), -1);
	fake_log_expect("mptable: no configuration table: default configuration 5");

	f[11] = 8; /* no such configuration */
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), -1);
	fake_log_expect("default configuration 8 does not exist");

	f[11] = 0; /* neither */
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), -1);
	fake_log_expect("names neither a configuration table nor a default configuration");
	fake_log_expect_warnings(3);
}

static void test_floating_imcr_and_revision(void **state)
{
	(void)state;
	struct mp_floating fp;
	uint8_t *f = qemu_floating();

	f[12] = 0x80;
	f[9] = 2;
	fix_sum(f, 16, 10);
	assert_int_equal(mp_floating_parse(f, MP_FLOATING_BYTES, &fp), 0);
	assert_true(fp.imcr);
	fake_log_expect("spec revision 2 (knows 1 and 4)");
	fake_log_expect_warnings(0);
}

/* A floating pointer whose table lies outside the memory the caller can
 * read: refused through the map callback, never read. */
static void test_table_outside_memory(void **state)
{
	(void)state;
	struct blob cfg = qemu_config();
	struct mp_floating fp = { .config_address = 0x7fe0000, .spec_rev = 4 };

	fixture_mem_add(&mem, QEMU_CONFIG, cfg.b, cfg.n);
	assert_int_equal(mp_config_read(&fp, fixture_mem_map, &mem, &mc), -1);
	fake_log_expect("mptable: configuration table at 0x7fe0000 cannot be read: not trusted");
	/* Its header readable, the rest of it not. */
	fp.config_address = QEMU_CONFIG + 64;
	memcpy(cfg.b + 64, cfg.b, 44);
	assert_int_equal(mp_config_read(&fp, fixture_mem_map, &mem, &mc), -1);
	fake_log_expect("(192 bytes) cannot be read");
	fake_log_expect_warnings(2);
	assert_int_equal(mc.cpu_count, 0);
}

/* ---- the configuration table ---------------------------------------------------- */

static void test_config_bad_checksum(void **state)
{
	(void)state;
	struct blob c = qemu_config();
	c.b[0x24] ^= 1; /* lapic address */
	assert_int_equal(mp_config_parse(c.b, c.n, &mc), -1);
	fake_log_expect("checksum over 192 bytes sums to 0x01, not 0: not trusted");
	assert_int_equal(mc.cpu_count, 0);
	fake_log_expect_warnings(1);
}

static void test_config_lengths(void **state)
{
	(void)state;
	struct blob c = qemu_config();

	assert_int_equal(mp_config_parse(c.b, 43, &mc), -1);
	fake_log_expect("only 43 bytes readable, its header has 44");
	/* All 192 bytes are there but only 191 may be read. */
	assert_int_equal(mp_config_parse(c.b, 191, &mc), -1);
	fake_log_expect("base length 192 is not between 44 and the 191 bytes readable");
	fixture_put16(c.b + 4, 40);
	fix_sum(c.b, 40, 7);
	assert_int_equal(mp_config_parse(c.b, c.n, &mc), -1);
	fake_log_expect("base length 40 is not between 44");
	c.b[0] = 'X';
	assert_int_equal(mp_config_parse(c.b, c.n, &mc), -1);
	fake_log_expect("signature is 'XCMP', not 'PCMP'");
	fake_log_expect_warnings(4);
}

/* The header counts more entries than the base table holds. */
static void test_config_count_too_large(void **state)
{
	(void)state;
	struct blob c = qemu_config();
	fixture_put16(c.b + 34, 40);
	fix_sum(c.b, 192, 7);
	assert_int_equal(mp_config_parse(c.b, c.n, &mc), 0);
	assert_int_equal(mc.entries_read, 17);
	assert_int_equal(mc.io_int_count, 11);
	assert_int_equal(mc.local_int_count, 2);
	fake_log_expect("the header counts 40 entries but the 192-byte base table holds 17");
	fake_log_expect_warnings(1);
}

/* An entry the base length cuts in two: the walk stops before it. */
static void test_config_entry_past_end(void **state)
{
	(void)state;
	struct blob c = qemu_config();
	/* 44 + 20 (cpu) + 2 * 8 (buses) = 80: the IOAPIC; cut inside it. */
	fixture_put16(c.b + 4, 84);
	fix_sum(c.b, 84, 7);
	assert_int_equal(mp_config_parse(c.b, 84, &mc), 0);
	assert_int_equal(mc.entries_read, 3);
	assert_int_equal(mc.bus_count, 2);
	assert_int_equal(mc.ioapic_count, 0);
	fake_log_expect("entry 3 (IOAPIC, offset 80) runs past the 84-byte base table: using the 3 "
			"before it");
	fake_log_expect_warnings(1);
	/* Nothing usable: no IOAPIC. */
	struct mp_floating fp = { .config_address = QEMU_CONFIG, .spec_rev = 4 };
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(mptable_to_platform(&fp, &mc, NULL, 1, &plat), -1);
	fake_log_expect("mptable: not usable: 1 enabled cpus, 0 enabled IOAPICs, an ISA bus");
}

static void test_config_unknown_type(void **state)
{
	(void)state;
	struct blob c = qemu_config();
	c.b[80] = 7; /* the IOAPIC becomes type 7 */
	fix_sum(c.b, 192, 7);
	assert_int_equal(mp_config_parse(c.b, c.n, &mc), 0);
	assert_int_equal(mc.entries_read, 3);
	assert_int_equal(mc.io_int_count, 0);
	fake_log_expect("entry 3 (offset 80) has type 7, not a base entry type (0-4)");
	fake_log_expect_warnings(1);
}

static void test_config_extended_table(void **state)
{
	(void)state;
	uint8_t t[192 + 8];
	struct blob c = qemu_config();
	memcpy(t, c.b, 192);
	/* A bus hierarchy descriptor (type 129, 8 bytes). */
	const uint8_t ext[8] = { 129, 8, 2, 1, 0, 0, 0, 0 };
	memcpy(t + 192, ext, 8);
	fixture_put16(t + 40, 8);
	uint8_t s = 0;
	for (int i = 0; i < 8; i++)
		s = (uint8_t)(s + ext[i]);
	t[42] = (uint8_t)(0x100 - s); /* the extended table's checksum, in the header */
	fix_sum(t, 192, 7);
	uint8_t *b = fixture_exact(t, sizeof(t));
	assert_int_equal(mp_config_parse(b, sizeof(t), &mc), 0);
	assert_true(mc.extended_trusted);
	b[195] ^= 1;
	assert_int_equal(mp_config_parse(b, sizeof(t), &mc), 0);
	assert_false(mc.extended_trusted);
	fake_log_expect("mptable: extended table checksum is wrong: ignored");
	/* Not readable: the base table still stands. */
	assert_int_equal(mp_config_parse(b, 196, &mc), 0);
	assert_false(mc.extended_trusted);
	fake_log_expect("extended table (8 bytes) not readable");
	assert_int_equal(mc.entries_read, 17);
	fake_log_expect_warnings(1);
}

/* ---- the platform from hand-made tables ---------------------------------------- */

struct builder {
	uint8_t t[4096];
	size_t n;
	unsigned entries;
};

static void b_start(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->t, "PCMP", 4);
	b->t[6] = 4;
	memcpy(b->t + 8, "TESTOEM TESTPRODUCT ", 20);
	fixture_put32(b->t + 36, 0xfee00000u);
	b->n = 44;
}

static void b_cpu(struct builder *b, uint8_t id, uint8_t flags)
{
	uint8_t *e = b->t + b->n;
	e[0] = 0;
	e[1] = id;
	e[2] = 0x14;
	e[3] = flags;
	b->n += 20;
	b->entries++;
}

static void b_8(struct builder *b, uint8_t type, uint8_t a, uint8_t c, uint8_t d, uint8_t e4,
		uint8_t e5, uint8_t e6, uint8_t e7)
{
	uint8_t *e = b->t + b->n;
	e[0] = type;
	e[1] = a;
	e[2] = c;
	e[3] = d;
	e[4] = e4;
	e[5] = e5;
	e[6] = e6;
	e[7] = e7;
	b->n += 8;
	b->entries++;
}

static void b_bus(struct builder *b, uint8_t id, const char type[7])
{
	b_8(b, 1, id, (uint8_t)type[0], (uint8_t)type[1], (uint8_t)type[2], (uint8_t)type[3],
	    (uint8_t)type[4], (uint8_t)type[5]);
}

static void b_ioapic(struct builder *b, uint8_t id, uint8_t flags, uint32_t addr)
{
	b_8(b, 2, id, 0x11, flags, (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16),
	    (uint8_t)(addr >> 24));
}

/* type 3 or 4; flags: PO in bits 0-1, EL in 2-3 */
static void b_int(struct builder *b, uint8_t entry, uint8_t kind, uint8_t flags, uint8_t bus,
		  uint8_t irq, uint8_t dst, uint8_t pin)
{
	b_8(b, entry, kind, flags, 0, bus, irq, dst, pin);
}

static const uint8_t *b_finish(struct builder *b)
{
	fixture_put16(b->t + 4, (uint16_t)b->n);
	fixture_put16(b->t + 34, (uint16_t)b->entries);
	fix_sum(b->t, b->n, 7);
	return fixture_exact(b->t, b->n);
}

static struct builder bld;

/* Two IOAPICs: GSI bases follow the entry counts; disabled CPUs and
 * IOAPICs are left out; an EISA bus's and a PCI bus's entries are not ISA
 * routes; flags carry over; an entry to an IOAPIC that is not there, or to
 * a pin it does not have, is bad. */
static void test_platform_two_ioapics(void **state)
{
	(void)state;
	struct mp_floating fp = { .config_address = 0x1000, .spec_rev = 4, .imcr = true };

	b_start(&bld);
	b_cpu(&bld, 0, 3);
	b_cpu(&bld, 1, 0); /* disabled */
	b_cpu(&bld, 2, 1);
	b_bus(&bld, 0, "PCI   ");
	b_bus(&bld, 3, "ISA   ");
	b_bus(&bld, 4, "EISA  ");
	b_ioapic(&bld, 8, 1, 0xfec00000u);
	b_ioapic(&bld, 9, 0, 0xfec01000u); /* disabled */
	b_ioapic(&bld, 10, 1, 0xfec02000u);
	b_int(&bld, 3, MP_INT_INT, 0, 3, 1, 8, 1);
	b_int(&bld, 3, MP_INT_INT, 0xf, 3, 4, 10, 3); /* level, active low, 2nd IOAPIC */
	b_int(&bld, 3, MP_INT_INT, 0, 4, 6, 8, 6);    /* EISA: not an ISA route */
	b_int(&bld, 3, MP_INT_INT, 0xf, 0, 9, 8, 16); /* PCI */
	b_int(&bld, 3, MP_INT_INT, 0, 3, 7, 9, 7);    /* to the disabled IOAPIC */
	b_int(&bld, 3, MP_INT_INT, 0, 3, 8, 8, 30);   /* no pin 30 on a 16-pin IOAPIC */
	b_int(&bld, 3, MP_INT_INT, 0, 3, 1, 8, 5);    /* a second route for IRQ 1 */
	b_int(&bld, 3, MP_INT_NMI, 0, 3, 0, 10, 0);
	b_int(&bld, 4, MP_INT_NMI, 0, 3, 0, 2, 1);
	const uint8_t *t = b_finish(&bld);

	assert_int_equal(mp_config_parse(t, bld.n, &mc), 0);
	assert_int_equal(mc.cpu_count, 3);
	assert_int_equal(mc.ioapic_count, 3);
	const uint32_t entries[] = { 16, 24, 0 };
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(mptable_to_platform(&fp, &mc, entries, 1, &plat), 0);
	assert_true(plat.has_imcr);
	assert_int_equal(plat.cpu_count, 2);
	assert_int_equal(plat.cpus_disabled, 1);
	assert_int_equal(plat.cpus[1].apic_id, 2);
	assert_int_equal(plat.ioapic_count, 2);
	assert_int_equal(plat.ioapics[0].gsi_base, 0);
	assert_int_equal(plat.ioapics[1].id, 10);
	/* The disabled IOAPIC takes no GSIs: 16 after the first. */
	assert_int_equal(plat.ioapics[1].gsi_base, 16);
	assert_int_equal(plat.ioapics[1].gsi_count, 0);

	struct isa_route r;
	expect_route(&plat, 1, 1);
	assert_true(platform_isa_route(&plat, 4, &r));
	assert_int_equal(r.gsi, 19);
	assert_true(r.level);
	assert_true(r.active_low);
	assert_ptr_equal(platform_ioapic_for_gsi(&plat, 19), &plat.ioapics[1]);
	assert_false(platform_isa_route(&plat, 6, &r)); /* EISA's */
	assert_false(platform_isa_route(&plat, 7, &r));
	assert_false(platform_isa_route(&plat, 8, &r));
	assert_int_equal(plat.override_count, 2);
	assert_int_equal(plat.madt_entries_bad, 2);
	assert_int_equal(plat.madt_entries_dropped, 1);
	assert_int_equal(plat.nmi_source_count, 1);
	assert_int_equal(plat.nmi_sources[0].gsi, 16);
	assert_int_equal(plat.lapic_nmi_count, 1);
	assert_int_equal(plat.lapic_nmis[0].acpi_uid, 2);
}

/* More of everything than knock keeps: counted, never written past. */
static void test_limits(void **state)
{
	(void)state;
	struct mp_floating fp = { .config_address = 0x1000, .spec_rev = 4 };

	b_start(&bld);
	for (unsigned i = 0; i < MP_MAX_CPUS + 3; i++)
		b_cpu(&bld, (uint8_t)i, 1);
	b_bus(&bld, 0, "ISA   ");
	for (unsigned i = 0; i < MP_MAX_IOAPICS + 2; i++)
		b_ioapic(&bld, (uint8_t)(0x40 + i), 1, 0xfec00000u + i * 0x1000);
	for (unsigned i = 0; i < MP_MAX_LOCAL_INTS + 1; i++)
		b_int(&bld, 4, MP_INT_NMI, 0, 0, 0, MP_ALL_APICS, 1);
	const uint8_t *t = b_finish(&bld);
	assert_true(bld.n < sizeof(bld.t));

	assert_int_equal(mp_config_parse(t, bld.n, &mc), 0);
	assert_int_equal(mc.cpu_count, MP_MAX_CPUS);
	assert_int_equal(mc.ioapic_count, MP_MAX_IOAPICS);
	assert_int_equal(mc.local_int_count, MP_MAX_LOCAL_INTS);
	assert_int_equal(mc.entries_dropped, 3 + 2 + 1);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(mptable_to_platform(&fp, &mc, NULL, 1, &plat), 0);
	assert_int_equal(plat.cpu_count, PLATFORM_MAX_CPUS);
	assert_int_equal(plat.cpus_dropped, MP_MAX_CPUS - PLATFORM_MAX_CPUS);
	assert_int_equal(plat.ioapic_count, PLATFORM_MAX_IOAPICS);
	/* Unknown entry counts: 24 each. */
	assert_int_equal(plat.ioapics[1].gsi_base, 24);
	assert_int_equal(plat.lapic_nmi_count, PLATFORM_MAX_LAPIC_NMIS);
	mp_config_print(&fp, &mc);
	fake_log_expect("mptable: 6 entries over knock's limits: not kept");
}

/* Without an ISA bus, or without an enabled CPU, the table is not usable. */
static void test_not_usable(void **state)
{
	(void)state;
	struct mp_floating fp = { .config_address = 0x1000, .spec_rev = 4 };

	b_start(&bld);
	b_cpu(&bld, 0, 3);
	b_bus(&bld, 0, "PCI   ");
	b_ioapic(&bld, 1, 1, 0xfec00000u);
	const uint8_t *t = b_finish(&bld);
	assert_int_equal(mp_config_parse(t, bld.n, &mc), 0);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(mptable_to_platform(&fp, &mc, NULL, 1, &plat), -1);
	fake_log_expect("1 enabled cpus, 1 enabled IOAPICs, no ISA bus");

	b_start(&bld);
	b_cpu(&bld, 0, 0);
	b_bus(&bld, 0, "ISA   ");
	b_ioapic(&bld, 1, 1, 0xfec00000u);
	t = b_finish(&bld);
	assert_int_equal(mp_config_parse(t, bld.n, &mc), 0);
	assert_int_equal(mptable_to_platform(&fp, &mc, NULL, 1, &plat), -1);
	fake_log_expect("0 enabled cpus, 1 enabled IOAPICs, an ISA bus");
	fake_log_expect_warnings(2);
}

/* Siblings: only ids the table does not list, only from a package's
 * first id, never the "all APICs" id. */
static void test_siblings(void **state)
{
	(void)state;
	struct mp_floating fp = { .config_address = 0x1000, .spec_rev = 4 };

	b_start(&bld);
	b_cpu(&bld, 0, 3);
	b_cpu(&bld, 1, 0); /* listed, disabled: stays off */
	b_cpu(&bld, 4, 1);
	b_cpu(&bld, 9, 1); /* not a package's first: no siblings */
	b_bus(&bld, 0, "ISA   ");
	b_ioapic(&bld, 1, 1, 0xfec00000u);
	const uint8_t *t = b_finish(&bld);
	assert_int_equal(mp_config_parse(t, bld.n, &mc), 0);
	memset(&plat, 0, sizeof(plat));
	assert_int_equal(mptable_to_platform(&fp, &mc, NULL, 4, &plat), 0);
	static const uint32_t want[] = { 0, 4, 9, 2, 3, 5, 6, 7 };
	assert_int_equal(plat.cpu_count, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < plat.cpu_count; i++)
		assert_int_equal(plat.cpus[i].apic_id, want[i]);
	assert_int_equal(plat.cpus_disabled, 1);
}

/* Random damage to QEMU's table with its checksum made good again: the
 * parser never reads past the table and never trusts more than it holds. */
static void test_random_damage(void **state)
{
	(void)state;
	struct blob c = qemu_config();
	uint8_t orig[192];
	memcpy(orig, c.b, 192);
	srand(12);
	for (int round = 0; round < 2000; round++) {
		memcpy(c.b, orig, 192);
		for (int k = 0; k < 1 + rand() % 4; k++)
			c.b[8 + rand() % 184] = (uint8_t)rand(); /* not the signature */
		if (rand() % 2)
			fix_sum(c.b, 192, 7);
		size_t avail = 44 + (size_t)rand() % 149;
		if (mp_config_parse(c.b, avail, &mc) == 0) {
			assert_true(mc.base_length <= avail);
			assert_true(mc.entries_read <= mc.entry_count);
			assert_true(mc.cpu_count + mc.bus_count + mc.ioapic_count +
					    mc.io_int_count + mc.local_int_count +
					    mc.entries_dropped ==
				    mc.entries_read);
			struct mp_floating fp = { .config_address = QEMU_CONFIG, .spec_rev = 4 };
			memset(&plat, 0, sizeof(plat));
			(void)mptable_to_platform(&fp, &mc, NULL, (unsigned)rand() % 8, &plat);
			assert_true(plat.cpu_count <= PLATFORM_MAX_CPUS);
			assert_true(plat.override_count <= PLATFORM_MAX_OVERRIDES);
			mp_config_print(&fp, &mc);
		}
		fake_log_clear();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qemu_smp1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_smp2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_smp2_listed_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_ebda_has_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floating_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floating_short_and_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floating_scan_skips_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floating_imcr_and_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_outside_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_count_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_entry_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_unknown_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_extended_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_two_ioapics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_usable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_siblings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
