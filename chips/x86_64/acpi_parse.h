/*
 * ACPI table parsers: pure functions over bytes, so they are built for the
 * host and unit-tested (tests/unit/test_acpi.c) on QEMU's real tables and on
 * broken ones. Nothing here touches hardware: tables are reached through a
 * map callback the caller provides (chips/x86_64/acpi.c maps physical
 * memory through the identity map; the tests map fixture files).
 *
 * What knock wants from ACPI is the platform: the CPUs and their local
 * APICs, the IOAPICs, how ISA IRQs reach them (MADT), and how to reset the
 * machine (FADT). Every table is checked before it is believed: signature,
 * a length that fits the bytes available, and a checksum that sums to 0.
 * A table that fails is named in a warning and not used at all.
 */
#ifndef KNOCK_CHIPS_ACPI_PARSE_H
#define KNOCK_CHIPS_ACPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits. Entries past them are counted and reported, never written. */
#define PLATFORM_MAX_CPUS 64 /* knock starts at most CPU_MAX (kernel/cpu.h) */
#define PLATFORM_MAX_IOAPICS 8
#define PLATFORM_MAX_OVERRIDES 16 /* one per ISA IRQ at most */
#define PLATFORM_MAX_NMI_SOURCES 8
#define PLATFORM_MAX_LAPIC_NMIS 8
#define PLATFORM_MAX_ECAM 4 /* MCFG entries: one per segment and bus range */
/* No table knock reads is anywhere near this; a larger length field is
 * garbage, and believing it would map megabytes of whatever is there. */
#define ACPI_TABLE_MAX_BYTES (1024 * 1024)

#define ACPI_HEADER_BYTES 36
#define ACPI_RSDP_V1_BYTES 20
#define ACPI_RSDP_V2_BYTES 36

/* MPS INTI flags (MADT types 2, 3, 4), bits 0-1 and 2-3. */
enum acpi_polarity {
	ACPI_POLARITY_CONFORMING = 0, /* as the bus says: active high for ISA */
	ACPI_POLARITY_HIGH = 1,
	ACPI_POLARITY_RESERVED = 2,
	ACPI_POLARITY_LOW = 3,
};

enum acpi_trigger {
	ACPI_TRIGGER_CONFORMING = 0, /* as the bus says: edge for ISA */
	ACPI_TRIGGER_EDGE = 1,
	ACPI_TRIGGER_RESERVED = 2,
	ACPI_TRIGGER_LEVEL = 3,
};

/* Generic Address Structure: where a register lives. */
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1
#define ACPI_SPACE_PCI_CONFIG 2

struct acpi_gas {
	uint8_t space; /* ACPI_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

/* An enabled CPU (MADT type 0, or 9 for x2APIC IDs). */
struct platform_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid; /* processor UID, what NMI entries refer to */
	bool x2apic;       /* listed by a type 9 entry */
};

struct platform_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
	/* Redirection entries, read from the IOAPIC itself (the MADT does not
	 * say); 0 while unknown. */
	uint32_t gsi_count;
};

/* An interrupt source override (type 2): bus IRQ `source_irq` is GSI `gsi`. */
struct platform_override {
	uint8_t bus; /* 0 = ISA, the only bus ACPI defines */
	uint8_t source_irq;
	uint32_t gsi;
	enum acpi_polarity polarity;
	enum acpi_trigger trigger;
};

/* A GSI wired to NMI (type 3). */
struct platform_nmi_source {
	uint32_t gsi;
	enum acpi_polarity polarity;
	enum acpi_trigger trigger;
};

/* A local APIC LINT pin wired to NMI (type 4, or 0xA for x2APIC). */
#define PLATFORM_ALL_CPUS 0xffffffffu
struct platform_lapic_nmi {
	uint32_t acpi_uid; /* PLATFORM_ALL_CPUS for every processor */
	uint8_t lint;      /* 0 or 1 */
	enum acpi_polarity polarity;
	enum acpi_trigger trigger;
};

/* An ECAM window (MCFG entry): configuration space of buses bus_start to
 * bus_end of `segment`, 1 MiB per bus, bus_start's at `base`. */
struct platform_ecam {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* Everything knock learned from ACPI. Zeroed means "nothing known". */
struct platform {
	/* Where it came from, for the boot summary. */
	uint8_t rsdp_revision;
	char oem_id[7];
	bool root_is_xsdt;
	uint64_t root_address;

	/* MADT ("APIC"). has_madt: a MADT passed every check. */
	bool has_madt;
	uint64_t lapic_address; /* type 5 override if present, else the 32-bit field */
	bool lapic_address_overridden;
	bool has_8259; /* MADT flags bit 0 PCAT_COMPAT: dual 8259s to mask */
	/* Filled from an MP table instead (mptable_parse.h): there, an ISA IRQ
	 * with no entry of its own is wired to no IOAPIC at all (ACPI's rule
	 * is identity), and an IMCR may have to be switched to the APIC. */
	bool isa_routes_listed;
	bool has_imcr;

	unsigned cpu_count;     /* in cpus[] */
	unsigned cpus_disabled; /* listed but neither enabled nor usable */
	unsigned cpus_dropped;  /* enabled but over PLATFORM_MAX_CPUS */
	struct platform_cpu cpus[PLATFORM_MAX_CPUS];

	unsigned ioapic_count;
	struct platform_ioapic ioapics[PLATFORM_MAX_IOAPICS];

	unsigned override_count;
	struct platform_override overrides[PLATFORM_MAX_OVERRIDES];

	unsigned nmi_source_count;
	struct platform_nmi_source nmi_sources[PLATFORM_MAX_NMI_SOURCES];

	unsigned lapic_nmi_count;
	struct platform_lapic_nmi lapic_nmis[PLATFORM_MAX_LAPIC_NMIS];

	unsigned madt_entries_dropped; /* IOAPICs, overrides, NMIs over the limits */
	unsigned madt_entries_unknown; /* types knock does not use (skipped) */
	unsigned madt_entries_bad;     /* too short, or running past the table */

	/* FADT ("FACP"). */
	bool has_fadt;
	uint8_t fadt_revision;
	bool has_reset_reg; /* flags bit 10 RESET_REG_SUP and the FADT is long enough */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	/* IAPC_BOOT_ARCH, only defined from FADT revision 3 (ACPI 2.0) on. */
	bool has_boot_arch;
	uint16_t boot_arch;
	bool has_8042; /* boot_arch bit 1; meaningful only if has_boot_arch */

	/* MCFG: where PCI Express configuration space is memory mapped. */
	bool has_mcfg;
	unsigned ecam_count;
	struct platform_ecam ecam[PLATFORM_MAX_ECAM];
	unsigned mcfg_entries_bad; /* skipped: end before start, unaligned, at 0 */

	unsigned tables_seen;      /* root tables tried, plus the entries of the one used */
	unsigned tables_untrusted; /* tables that failed a check */
};

/* ---- RSDP ------------------------------------------------------------------ */

struct acpi_rsdp {
	uint8_t revision; /* 0: ACPI 1.0 (RSDT only); 2+: ACPI 2.0+ */
	char oem_id[7];
	uint32_t rsdt_address;
	bool has_xsdt; /* revision >= 2, 36 bytes readable, extended checksum good */
	uint64_t xsdt_address;
};

/*
 * Validate the RSDP at `bytes`, of which `avail` may be read (20 for an
 * ACPI 1.0 copy, 36 for 2.0+). The first 20 bytes must carry the signature
 * "RSD PTR " and sum to 0. The XSDT is used only when the extended checksum
 * (over the 36-byte structure) is also good; if it is bad the RSDT is used
 * with a warning. Returns 0, or -1 (with a warning) if there is no usable
 * RSDP at all.
 */
int acpi_rsdp_parse(const void *bytes, size_t avail, struct acpi_rsdp *out);

/*
 * Offset of the first RSDP on a 16-byte boundary of `area` (which must
 * itself start 16-byte aligned in physical memory) with a good signature
 * and 20-byte checksum, or -1. Silent: BIOS areas hold stale candidates.
 */
long acpi_rsdp_scan(const void *area, size_t len);

/* ---- tables ---------------------------------------------------------------- */

/*
 * Check one table: at least a header, the signature `sig` (4 characters;
 * NULL accepts any), a length field between 36 and `avail`, and a checksum
 * that sums to 0 over that length. On failure logs "acpi: <SIG> table ...:
 * <why>: not trusted" and returns false.
 */
bool acpi_table_valid(const void *table, size_t avail, const char *sig);

/*
 * Parse a MADT into out's MADT fields (cleared first; everything else in
 * `out` is left alone). Returns 0 if the table was trusted (has_madt),
 * -1 if not. A bad entry is logged, counted and skipped; an entry whose
 * length would run past the table, or is too short to step over, ends the
 * walk (what came before is kept).
 */
int acpi_madt_parse(const void *table, size_t avail, struct platform *out);

/* Clear out's MADT fields (everything from has_madt to the MADT's entry
 * counts), leaving the RSDP's and FADT's alone. */
void platform_madt_clear(struct platform *out);

/* Parse a FADT into out's FADT fields. Returns 0 if trusted, else -1. */
int acpi_fadt_parse(const void *table, size_t avail, struct platform *out);

/*
 * Parse an MCFG (PCI Firmware Specification 3.0, 4.1.2) into out's MCFG
 * fields (cleared first). Returns 0 if trusted, else -1. An entry whose
 * bus range is backwards, or whose base is 0 or not aligned to the 1 MiB
 * of a bus, is warned about, counted in mcfg_entries_bad and skipped.
 */
int acpi_mcfg_parse(const void *table, size_t avail, struct platform *out);

/* The ECAM window of segment 0 that covers bus 0, or NULL (no MCFG: the
 * PC's configuration ports are the way in). */
const struct platform_ecam *platform_ecam_segment0(const struct platform *p);

/* ---- walking from the RSDP ------------------------------------------------- */

/*
 * Return a pointer to `len` readable bytes of physical memory at `phys`,
 * or NULL if they cannot be read. The walker never reads past `len`.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);
/* Called with every table that passed its checks (root table included). */
typedef void (*acpi_table_fn)(void *ctx, uint64_t phys, const uint8_t *table, size_t len);

struct acpi_memory {
	acpi_map_fn map;
	void *ctx;
	acpi_table_fn on_table; /* optional */
	void *on_table_ctx;
};

/*
 * Walk the XSDT (if the RSDP offers a trusted one, else the RSDT) and
 * parse the MADT, FADT and MCFG it lists into `out` (cleared first; the RSDP's
 * fields are copied in). Tables that cannot be mapped or fail their checks
 * are warned about, counted and skipped; a second MADT, FADT or MCFG is ignored
 * with a warning. Returns 0 if a root table was trusted, else -1.
 */
int acpi_walk(const struct acpi_rsdp *rsdp, const struct acpi_memory *mem, struct platform *out);

/* ---- using the result ------------------------------------------------------ */

/* How an ISA IRQ reaches an IOAPIC. */
struct isa_route {
	uint32_t gsi;
	bool active_low;
	bool level;
};

/*
 * Route ISA IRQ `irq` (0-15): its override if the MADT has one (conforming
 * polarity or trigger mean ISA's: active high, edge), else identity, active
 * high, edge. Returns false if irq > 15, or if the identity GSI is already
 * taken by another IRQ's override and this IRQ has none of its own (IRQ 2
 * on QEMU, whose GSI 2 is the timer's), or if the platform came from an MP
 * table (isa_routes_listed) and no entry routes this IRQ.
 */
bool platform_isa_route(const struct platform *p, unsigned irq, struct isa_route *out);

/* The IOAPIC serving `gsi` (the one with the highest base <= gsi whose
 * range, when known, covers it), or NULL. */
const struct platform_ioapic *platform_ioapic_for_gsi(const struct platform *p, uint32_t gsi);

/* What asks for x2APIC mode (docs/smp.md, "x2APIC"): how many listed CPUs
 * have APIC ids above 254 (an xAPIC cannot address them: 0xff is its
 * broadcast), and how many the MADT listed by x2APIC entries. Returns
 * whether either is non-zero. */
bool platform_wants_x2apic(const struct platform *p, unsigned *above_254, unsigned *x2apic_entries);

/* Log the boot summary of the MADT, FADT and MCFG, lines starting "acpi: ". */
void platform_print(const struct platform *p);

#endif
