/*
 * Intel MultiProcessor Specification tables (Intel MultiProcessor
 * Specification, version 1.4, May 1997; "MP spec" below): pure functions
 * over bytes, built for the host and unit-tested (tests/unit/test_mptable.c)
 * on QEMU's real tables and on broken ones, and fuzzed
 * (tests/fuzz/fuzz_mptable.c). Nothing here touches hardware: the caller
 * maps memory (chips/x86_64/mptable.c through the identity map; the tests
 * from fixture files).
 *
 * A PC without ACPI (QEMU's -machine pc,acpi=off, old BIOSes) still
 * describes its CPUs, IOAPICs and interrupt wiring here. knock reads it
 * into the same struct platform the ACPI MADT fills (acpi_parse.h), so
 * interrupt routing and SMP start-up use it unchanged.
 *
 * Two structures (MP spec chapter 4):
 *   - the floating pointer "_MP_" (16 bytes, on a 16-byte boundary in the
 *     first KiB of the EBDA, the last KiB of base memory, or the BIOS ROM
 *     at 0xf0000-0xfffff): where the configuration table is, or which of
 *     the spec's default configurations this is;
 *   - the configuration table "PCMP": a header, then base entries
 *     (processors, buses, IOAPICs, I/O and local interrupt assignments),
 *     then optionally an extended table (not used by knock; its checksum is
 *     still checked).
 * Both are believed only after their signature, lengths and checksums
 * check out; a bad entry ends the walk, keeping what came before.
 */
#ifndef KNOCK_CHIPS_MPTABLE_PARSE_H
#define KNOCK_CHIPS_MPTABLE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi_parse.h"

#define MP_FLOATING_BYTES 16
#define MP_CONFIG_HEADER_BYTES 44

/* Limits of what is kept; entries past them are counted, never written. */
#define MP_MAX_CPUS 64
#define MP_MAX_BUSES 32
#define MP_MAX_IOAPICS 8
#define MP_MAX_IO_INTS 96
#define MP_MAX_LOCAL_INTS 8

/* Interrupt types of I/O and local interrupt assignment entries. */
enum mp_int_type {
	MP_INT_INT = 0, /* vectored, the vector from the APIC's table */
	MP_INT_NMI = 1,
	MP_INT_SMI = 2,
	MP_INT_EXTINT = 3, /* vectored, the vector from an 8259 */
};

#define MP_ALL_APICS 0xff /* destination id meaning "every (I/O or local) APIC" */

struct mp_floating {
	uint32_t config_address; /* physical, 0: no table */
	uint8_t spec_rev;        /* 1 (v1.1) or 4 (v1.4) */
	uint8_t default_config;  /* feature byte 1: 0 = a table, 1-7 = default config */
	bool imcr;               /* feature byte 2 bit 7: IMCR present, PIC mode at reset */
};

struct mp_cpu {
	uint8_t apic_id;
	uint8_t apic_version;
	bool enabled;
	bool bsp;
	uint32_t signature; /* CPUID family/model/stepping */
	uint32_t features;  /* CPUID.1:EDX */
};

struct mp_bus {
	uint8_t id;
	char type[7]; /* "ISA", "PCI", "EISA", ... (trailing blanks removed) */
};

struct mp_ioapic {
	uint8_t id;
	uint8_t version;
	bool enabled;
	uint32_t address;
};

/* An I/O (type 3) or local (type 4) interrupt assignment. */
struct mp_int {
	uint8_t type;                /* enum mp_int_type */
	enum acpi_polarity polarity; /* the PO and EL encodings are the MADT's */
	enum acpi_trigger trigger;
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_id;  /* IOAPIC id (type 3) or LAPIC id (type 4); MP_ALL_APICS */
	uint8_t dst_pin; /* INTIN (type 3) or LINTIN (type 4) */
};

struct mp_config {
	uint8_t spec_rev;
	char oem_id[9];
	char product_id[13];
	uint32_t lapic_address;
	uint16_t base_length;     /* header and base entries */
	uint16_t extended_length; /* after the base table */
	uint16_t entry_count;     /* the header's count */
	unsigned entries_read;    /* base entries walked */
	bool extended_trusted;    /* present, readable, checksum good */

	unsigned cpu_count;
	struct mp_cpu cpus[MP_MAX_CPUS];
	unsigned bus_count;
	struct mp_bus buses[MP_MAX_BUSES];
	unsigned ioapic_count;
	struct mp_ioapic ioapics[MP_MAX_IOAPICS];
	unsigned io_int_count;
	struct mp_int io_ints[MP_MAX_IO_INTS];
	unsigned local_int_count;
	struct mp_int local_ints[MP_MAX_LOCAL_INTS];
	unsigned entries_dropped; /* over the limits above */
};

/* ---- the floating pointer ---------------------------------------------------- */

/*
 * Offset of the first "_MP_" on a 16-byte boundary of `area` (which starts
 * 16-byte aligned in physical memory) whose 16 bytes sum to 0 and whose
 * length field is 1, or -1. Silent: BIOS areas hold stale candidates.
 */
long mp_floating_scan(const void *area, size_t len);

/*
 * Validate the floating pointer at `bytes` (`avail` readable): signature,
 * length 1 (16 bytes), checksum, spec revision 1 or 4 (others are used
 * with a note), and either a configuration table address or a default
 * configuration (1-7). Returns 0, or -1 with a warning.
 */
int mp_floating_parse(const void *bytes, size_t avail, struct mp_floating *out);

/* ---- the configuration table ------------------------------------------------- */

/*
 * Parse the configuration table at `table` (`avail` readable) into `out`
 * (cleared first): signature "PCMP", a base length between 44 and `avail`,
 * a checksum over it that sums to 0. Then the base entries, up to the
 * header's count and the base length: an entry of an unknown type (the
 * base table has no length per entry, so nothing after it can be found)
 * or one running past the base length ends the walk with a warning;
 * entries over the limits are counted. The extended table is checked if
 * it is readable. Returns 0 if the table was trusted, -1 if not.
 */
int mp_config_parse(const void *table, size_t avail, struct mp_config *out);

/*
 * Return `len` readable bytes of physical memory at `phys`, or NULL if
 * they cannot be read (outside RAM the caller knows, above 4 GiB, page 0).
 */
typedef const void *(*mp_map_fn)(void *ctx, uint64_t phys, size_t len);

/*
 * Read the configuration table the floating pointer names: map its header,
 * then its base and extended lengths, and parse it. Returns 0, or -1 with
 * a warning (no table: a default configuration; unreadable; untrusted).
 */
int mp_config_read(const struct mp_floating *fp, mp_map_fn map, void *ctx, struct mp_config *out);

/* The id of the (first) bus of type "ISA", or -1. */
int mp_isa_bus(const struct mp_config *mc);

/* ---- the platform ------------------------------------------------------------ */

/*
 * Fill out's MADT fields (acpi_parse.h; everything else is left alone)
 * from the table:
 *   - cpus: the enabled processors, acpi_uid = APIC id (the MP table has
 *     no processor UIDs; local NMI entries name APIC ids, so the two
 *     agree). If `logical_per_package` > 1 (CPUID: HTT and the count of
 *     logical processor IDs per package), every listed processor whose APIC
 *     id is a multiple of it also brings the following ids of its package
 *     that the table does not list: BIOSes (SeaBIOS among them) list only
 *     the first logical CPU of each package, for old OSes.
 *   - ioapics: the enabled ones, GSI bases in table order, each one after
 *     the previous one's redirection entries (`ioapic_entries[i]` for the
 *     i-th IOAPIC entry of the table, 0 or NULL: unknown, taken as 24, the
 *     82093AA's count) with gsi_count from the same array.
 *   - overrides: one per INT entry of the ISA bus (source IRQ 0-15) to an
 *     enabled IOAPIC, identity ones included, and isa_routes_listed set:
 *     an ISA IRQ the table does not route reaches no IOAPIC.
 *   - nmi_sources (NMI entries to an IOAPIC) and lapic_nmis (local NMI
 *     entries, acpi_uid = the LAPIC id or PLATFORM_ALL_CPUS).
 *   - has_8259 (an MP system is PC/AT compatible), has_imcr from `fp`.
 * Returns 0 if it found an enabled CPU, an enabled IOAPIC and an ISA bus,
 * else -1 with a warning saying which is missing.
 */
int mptable_to_platform(const struct mp_floating *fp, const struct mp_config *mc,
			const uint32_t *ioapic_entries, unsigned logical_per_package,
			struct platform *out);

/* Log the table, lines starting "mptable: ". */
void mp_config_print(const struct mp_floating *fp, const struct mp_config *mc);

#endif
