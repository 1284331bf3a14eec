/*
 * ACPI parsers (see acpi_parse.h). Pure functions over bytes: every field
 * is read byte by byte (little endian, no alignment assumed), every read is
 * inside the length the caller said may be read, and a table is believed
 * only after its length and checksum check out.
 *
 * References: ACPI 6.5, 5.2.5 (RSDP), 5.2.6 (table header), 5.2.7/5.2.8
 * (RSDT/XSDT), 5.2.9 (FADT), 5.2.12 (MADT), 5.2.3.2 (Generic Address).
 *
 * Spec: ACPI Specification 6.5: 5.2.5 (RSDP), 5.2.6 (table header),
 * 5.2.7-5.2.8 (RSDT, XSDT), 5.2.9 (FADT), 5.2.12 (MADT and its entry types). PCI Firmware
 * Specification 3.0, 4.1.2 (MCFG).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi_parse.h"
#include "kernel/bytes.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

/* ---- bytes ------------------------------------------------------------------ */

/* Copy n bytes of an ACPI name into out (n+1 bytes), unprintables as '?',
 * so a garbage signature cannot put control characters on the console. */
static void printable(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?');
	out[n] = '\0';
}

/* "MADT (APIC)": the name people know, then the signature in the table. */
static void table_name(char out[16], const uint8_t sig[4])
{
	char s[5];
	printable(s, sig, 4);
	if (!memcmp(s, "APIC", 4))
		ksnprintf(out, 16, "MADT (APIC)");
	else if (!memcmp(s, "FACP", 4))
		ksnprintf(out, 16, "FADT (FACP)");
	else if (!memcmp(s, "MCFG", 4))
		ksnprintf(out, 16, "MCFG");
	else
		ksnprintf(out, 16, "%s", s);
}

/* ---- RSDP ------------------------------------------------------------------- */

static const char rsdp_signature[8] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };

int acpi_rsdp_parse(const void *bytes, size_t avail, struct acpi_rsdp *out)
{
	const uint8_t *b = bytes;

	memset(out, 0, sizeof(*out));
	if (avail < ACPI_RSDP_V1_BYTES) {
		log_warn("acpi: RSDP: only %zu bytes, an ACPI 1.0 RSDP has 20: not trusted", avail);
		return -1;
	}
	if (memcmp(b, rsdp_signature, sizeof(rsdp_signature)) != 0) {
		char sig[9];
		printable(sig, b, 8);
		log_warn("acpi: RSDP: signature is '%s', not 'RSD PTR ': not trusted", sig);
		return -1;
	}
	uint8_t sum = bytes_sum8(b, ACPI_RSDP_V1_BYTES);
	if (sum) {
		log_warn(
			"acpi: RSDP: checksum over its first 20 bytes sums to 0x%02x, not 0: not trusted",
			sum);
		return -1;
	}
	out->revision = b[15];
	printable(out->oem_id, b + 9, 6);
	out->rsdt_address = load_le32(b + 16);

	if (out->revision >= 2) {
		/* ACPI 2.0+: the XSDT address is covered by the extended
		 * checksum over the whole (36-byte) structure. */
		if (avail < ACPI_RSDP_V2_BYTES) {
			log_debug(
				"acpi: RSDP: revision %u but only its 20-byte 1.0 part is here; using the RSDT",
				out->revision);
		} else {
			uint32_t length = load_le32(b + 20);
			if (length < ACPI_RSDP_V2_BYTES || length > avail)
				log_warn(
					"acpi: RSDP: length field %u is not between 36 and the %zu bytes readable: XSDT not trusted, using the RSDT",
					length, avail);
			else if ((sum = bytes_sum8(b, length)) != 0)
				log_warn(
					"acpi: RSDP: extended checksum over %u bytes sums to 0x%02x, not 0: XSDT not trusted, using the RSDT",
					length, sum);
			else if ((out->xsdt_address = load_le64(b + 24)) == 0)
				log_warn(
					"acpi: RSDP: revision %u but the XSDT address is 0; using the RSDT",
					out->revision);
			else
				out->has_xsdt = true;
		}
	}
	if (!out->has_xsdt && out->rsdt_address == 0) {
		log_warn("acpi: RSDP: no RSDT address and no usable XSDT: not usable");
		return -1;
	}
	return 0;
}

long acpi_rsdp_scan(const void *area, size_t len)
{
	const uint8_t *a = area;

	for (size_t off = 0; len >= ACPI_RSDP_V1_BYTES && off <= len - ACPI_RSDP_V1_BYTES;
	     off += 16)
		if (!memcmp(a + off, rsdp_signature, sizeof(rsdp_signature)) &&
		    bytes_sum8(a + off, ACPI_RSDP_V1_BYTES) == 0)
			return (long)off;
	return -1;
}

/* ---- tables ----------------------------------------------------------------- */

bool acpi_table_valid(const void *table, size_t avail, const char *sig)
{
	const uint8_t *t = table;
	char name[16];

	/* Without `sig` the name is the table's own signature, which may not
	 * even be readable: a table shorter than that is named "????". */
	if (sig)
		table_name(name, (const uint8_t *)sig);
	else
		table_name(name, avail >= 4 ? t : (const uint8_t *)"????");
	if (avail < ACPI_HEADER_BYTES) {
		log_warn(
			"acpi: %s table: only %zu bytes readable, less than the 36-byte header: not trusted",
			name, avail);
		return false;
	}
	if (sig && memcmp(t, sig, 4) != 0) {
		char found[5];
		printable(found, t, 4);
		log_warn("acpi: %s table: signature is '%s': not trusted", name, found);
		return false;
	}
	uint32_t length = load_le32(t + 4);
	if (length < ACPI_HEADER_BYTES) {
		log_warn(
			"acpi: %s table: length field %u is shorter than the 36-byte header: not trusted",
			name, length);
		return false;
	}
	if (length > avail) {
		log_warn(
			"acpi: %s table: truncated: length field %u but only %zu bytes readable: not trusted",
			name, length, avail);
		return false;
	}
	uint8_t sum = bytes_sum8(t, length);
	if (sum) {
		log_warn(
			"acpi: %s table: checksum over %u bytes sums to 0x%02x, not 0: not trusted",
			name, length, sum);
		return false;
	}
	return true;
}

/* ---- MADT ------------------------------------------------------------------- */

#define MADT_FIXED_BYTES 44 /* header, local APIC address, flags */
#define MADT_PCAT_COMPAT 0x1
#define MADT_CPU_ENABLED 0x1

enum madt_type {
	MADT_LOCAL_APIC = 0,
	MADT_IOAPIC = 1,
	MADT_OVERRIDE = 2,
	MADT_NMI_SOURCE = 3,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_ADDRESS = 5,
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};

/* The shortest entry of each type knock reads (later ACPI versions may
 * append fields, so longer is fine). */
static unsigned madt_min_length(uint8_t type)
{
	switch (type) {
	case MADT_LOCAL_APIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_OVERRIDE:
		return 10;
	case MADT_NMI_SOURCE:
		return 8;
	case MADT_LAPIC_NMI:
		return 6;
	case MADT_LAPIC_ADDRESS:
		return 12;
	case MADT_X2APIC:
		return 16;
	case MADT_X2APIC_NMI:
		return 12;
	default:
		return 2;
	}
}

void platform_madt_clear(struct platform *p)
{
	p->has_madt = false;
	p->lapic_address = 0;
	p->lapic_address_overridden = false;
	p->has_8259 = false;
	p->isa_routes_listed = false;
	p->has_imcr = false;
	p->cpu_count = p->cpus_disabled = p->cpus_dropped = 0;
	memset(p->cpus, 0, sizeof(p->cpus));
	p->ioapic_count = 0;
	memset(p->ioapics, 0, sizeof(p->ioapics));
	p->override_count = 0;
	memset(p->overrides, 0, sizeof(p->overrides));
	p->nmi_source_count = 0;
	memset(p->nmi_sources, 0, sizeof(p->nmi_sources));
	p->lapic_nmi_count = 0;
	memset(p->lapic_nmis, 0, sizeof(p->lapic_nmis));
	p->madt_entries_dropped = p->madt_entries_unknown = p->madt_entries_bad = 0;
}

/* MPS INTI flags: polarity in bits 0-1, trigger in bits 2-3. The reserved
 * encoding (2) is reported and then read as conforming. */
static void inti_flags(uint16_t flags, const char *what, unsigned number,
		       enum acpi_polarity *polarity, enum acpi_trigger *trigger)
{
	*polarity = (enum acpi_polarity)(flags & 3);
	*trigger = (enum acpi_trigger)(flags >> 2 & 3);
	if (*polarity == ACPI_POLARITY_RESERVED || *trigger == ACPI_TRIGGER_RESERVED) {
		log_warn("acpi: MADT: %s %u has reserved flags 0x%x; reading them as conforming",
			 what, number, flags);
		if (*polarity == ACPI_POLARITY_RESERVED)
			*polarity = ACPI_POLARITY_CONFORMING;
		if (*trigger == ACPI_TRIGGER_RESERVED)
			*trigger = ACPI_TRIGGER_CONFORMING;
	}
}

static void madt_add_cpu(struct platform *p, uint32_t apic_id, uint32_t uid, uint32_t flags,
			 bool x2apic)
{
	if (!(flags & MADT_CPU_ENABLED)) {
		/* Bit 1 (online capable) would allow hot-adding it later;
		 * knock does not, so it is simply not used. */
		p->cpus_disabled++;
		log_debug("acpi: MADT: cpu apic id %u uid %u is disabled (flags 0x%x): skipped",
			  apic_id, uid, flags);
		return;
	}
	for (unsigned i = 0; i < p->cpu_count; i++) {
		if (p->cpus[i].apic_id == apic_id) {
			log_debug("acpi: MADT: cpu apic id %u listed again: skipped", apic_id);
			return;
		}
	}
	if (p->cpu_count == PLATFORM_MAX_CPUS) {
		p->cpus_dropped++;
		return;
	}
	p->cpus[p->cpu_count++] = (struct platform_cpu){
		.apic_id = apic_id,
		.acpi_uid = uid,
		.x2apic = x2apic,
	};
}

/* Reserve a slot in an array of `max`, or count the entry as dropped. */
static bool madt_room(struct platform *p, unsigned count, unsigned max, const char *what)
{
	if (count < max)
		return true;
	p->madt_entries_dropped++;
	log_warn("acpi: MADT: more than %u %s entries; ignoring the rest", max, what);
	return false;
}

static void madt_entry(struct platform *p, const uint8_t *e, size_t off)
{
	uint8_t type = e[0];

	switch (type) {
	case MADT_LOCAL_APIC:
		madt_add_cpu(p, e[3], e[2], load_le32(e + 4), false);
		break;
	case MADT_X2APIC:
		madt_add_cpu(p, load_le32(e + 4), load_le32(e + 12), load_le32(e + 8), true);
		break;
	case MADT_IOAPIC:
		if (madt_room(p, p->ioapic_count, PLATFORM_MAX_IOAPICS, "IOAPIC"))
			p->ioapics[p->ioapic_count++] = (struct platform_ioapic){
				.id = e[2],
				.address = load_le32(e + 4),
				.gsi_base = load_le32(e + 8),
			};
		break;
	case MADT_OVERRIDE: {
		for (unsigned i = 0; i < p->override_count; i++) {
			if (p->overrides[i].bus == e[2] && p->overrides[i].source_irq == e[3]) {
				log_warn(
					"acpi: MADT: second override for bus %u irq %u (offset %zu): ignored, the first stands",
					e[2], e[3], off);
				p->madt_entries_bad++;
				return;
			}
		}
		if (!madt_room(p, p->override_count, PLATFORM_MAX_OVERRIDES, "override"))
			break;
		struct platform_override *o = &p->overrides[p->override_count++];
		o->bus = e[2];
		o->source_irq = e[3];
		o->gsi = load_le32(e + 4);
		inti_flags(load_le16(e + 8), "override for irq", e[3], &o->polarity, &o->trigger);
		break;
	}
	case MADT_NMI_SOURCE: {
		if (!madt_room(p, p->nmi_source_count, PLATFORM_MAX_NMI_SOURCES, "NMI source"))
			break;
		struct platform_nmi_source *n = &p->nmi_sources[p->nmi_source_count++];
		n->gsi = load_le32(e + 4);
		inti_flags(load_le16(e + 2), "NMI source gsi", n->gsi, &n->polarity, &n->trigger);
		break;
	}
	case MADT_LAPIC_NMI:
	case MADT_X2APIC_NMI: {
		bool x2 = type == MADT_X2APIC_NMI;
		uint8_t lint = x2 ? e[8] : e[5];
		if (lint > 1) {
			log_warn(
				"acpi: MADT: local APIC NMI entry at offset %zu names LINT%u; there are only LINT0 and LINT1: skipped",
				off, lint);
			p->madt_entries_bad++;
			break;
		}
		if (!madt_room(p, p->lapic_nmi_count, PLATFORM_MAX_LAPIC_NMIS, "local APIC NMI"))
			break;
		struct platform_lapic_nmi *n = &p->lapic_nmis[p->lapic_nmi_count++];
		/* UID 0xff (0xffffffff for x2APIC) means every processor. */
		n->acpi_uid = x2 ? load_le32(e + 4) : (e[2] == 0xff ? PLATFORM_ALL_CPUS : e[2]);
		n->lint = lint;
		inti_flags(load_le16(e + (x2 ? 2 : 3)), "local APIC NMI on LINT", lint,
			   &n->polarity, &n->trigger);
		break;
	}
	case MADT_LAPIC_ADDRESS:
		p->lapic_address = load_le64(e + 4);
		p->lapic_address_overridden = true;
		break;
	default:
		p->madt_entries_unknown++;
		log_debug("acpi: MADT: entry type %u at offset %zu not used", type, off);
		break;
	}
}

int acpi_madt_parse(const void *table, size_t avail, struct platform *out)
{
	const uint8_t *t = table;

	platform_madt_clear(out);
	if (!acpi_table_valid(table, avail, "APIC"))
		return -1;
	uint32_t length = load_le32(t + 4);
	if (length < MADT_FIXED_BYTES) {
		log_warn(
			"acpi: MADT (APIC) table: length %u leaves no room for the local APIC address and flags: not trusted",
			length);
		return -1;
	}
	out->lapic_address = load_le32(t + 36); /* until a type 5 entry overrides it */
	out->has_8259 = load_le32(t + 40) & MADT_PCAT_COMPAT;

	size_t off = MADT_FIXED_BYTES;
	while (off < length) {
		size_t left = length - off;
		if (left < 2) {
			log_warn(
				"acpi: MADT: a stray byte at offset %zu, too short for an entry: ignored",
				off);
			out->madt_entries_bad++;
			break;
		}
		uint8_t type = t[off], elen = t[off + 1];
		if (elen < 2) {
			/* A length of 0 or 1 cannot be stepped over. */
			log_warn(
				"acpi: MADT: entry at offset %zu (type %u) has length %u: the rest of the table is ignored",
				off, type, elen);
			out->madt_entries_bad++;
			break;
		}
		if (elen > left) {
			log_warn(
				"acpi: MADT: entry at offset %zu (type %u, length %u) runs past the end of the table (%u bytes): the rest is ignored",
				off, type, elen, length);
			out->madt_entries_bad++;
			break;
		}
		if (elen < madt_min_length(type)) {
			log_warn(
				"acpi: MADT: type %u entry at offset %zu has length %u, needs %u: skipped",
				type, off, elen, madt_min_length(type));
			out->madt_entries_bad++;
		} else {
			madt_entry(out, t + off, off);
		}
		off += elen;
	}
	/* The board says it once, with how many CPUs it ignores (smp:). */
	if (out->cpus_dropped)
		log_debug("acpi: MADT lists %u enabled cpus; knock uses the first %u",
			  out->cpu_count + out->cpus_dropped, out->cpu_count);
	out->has_madt = true;
	return 0;
}

/* ---- FADT ------------------------------------------------------------------- */

#define FADT_BOOT_ARCH_OFFSET 109
#define FADT_FLAGS_OFFSET 112
#define FADT_RESET_REG_OFFSET 116
#define FADT_RESET_VALUE_OFFSET 128
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_BOOT_ARCH_8042 (1u << 1)
/* IAPC_BOOT_ARCH is reserved in ACPI 1.0 (revision 1) FADTs. Revision 2
 * was a pre-2.0 extension; Linux believes the field only from revision 3
 * on (ACPICA's FADT2_REVISION_ID), and so does knock. */
#define FADT_BOOT_ARCH_MIN_REVISION 3

int acpi_fadt_parse(const void *table, size_t avail, struct platform *out)
{
	const uint8_t *t = table;

	out->has_fadt = false;
	out->fadt_revision = 0;
	out->has_reset_reg = false;
	memset(&out->reset_reg, 0, sizeof(out->reset_reg));
	out->reset_value = 0;
	out->has_boot_arch = out->has_8042 = false;
	out->boot_arch = 0;

	if (!acpi_table_valid(table, avail, "FACP"))
		return -1;
	uint32_t length = load_le32(t + 4);
	out->has_fadt = true;
	out->fadt_revision = t[8];

	if (out->fadt_revision >= FADT_BOOT_ARCH_MIN_REVISION &&
	    length >= FADT_BOOT_ARCH_OFFSET + 2) {
		out->has_boot_arch = true;
		out->boot_arch = load_le16(t + FADT_BOOT_ARCH_OFFSET);
		out->has_8042 = out->boot_arch & FADT_BOOT_ARCH_8042;
	}
	if (length < FADT_FLAGS_OFFSET + 4) {
		log_warn(
			"acpi: FADT: only %u bytes, shorter than ACPI 1.0's 116: no flags, no reset register",
			length);
		return 0;
	}
	if (!(load_le32(t + FADT_FLAGS_OFFSET) & FADT_FLAG_RESET_REG_SUP))
		return 0;
	if (length < FADT_RESET_VALUE_OFFSET + 1) {
		log_info(
			"acpi: FADT: RESET_REG_SUP is set but the table (%u bytes) ends before the reset register",
			length);
		return 0;
	}
	const uint8_t *g = t + FADT_RESET_REG_OFFSET;
	struct acpi_gas reg = {
		.space = g[0],
		.bit_width = g[1],
		.bit_offset = g[2],
		.access_size = g[3],
		.address = load_le64(g + 4),
	};
	if (reg.space > ACPI_SPACE_PCI_CONFIG || reg.address == 0) {
		log_warn(
			"acpi: FADT: reset register in address space %u at 0x%llx is not usable: ignored",
			reg.space, (unsigned long long)reg.address);
		return 0;
	}
	out->reset_reg = reg;
	out->reset_value = t[FADT_RESET_VALUE_OFFSET];
	out->has_reset_reg = true;
	return 0;
}

/* ---- MCFG ------------------------------------------------------------------- */

#define MCFG_FIXED_BYTES 44 /* header and 8 reserved bytes */
#define MCFG_ENTRY_BYTES 16
#define ECAM_BUS_BYTES (1u << 20)

int acpi_mcfg_parse(const void *table, size_t avail, struct platform *out)
{
	const uint8_t *t = table;

	out->has_mcfg = false;
	out->ecam_count = 0;
	memset(out->ecam, 0, sizeof(out->ecam));
	out->mcfg_entries_bad = 0;
	if (!acpi_table_valid(table, avail, "MCFG"))
		return -1;
	uint32_t length = load_le32(t + 4);
	if (length < MCFG_FIXED_BYTES) {
		log_warn(
			"acpi: MCFG table: length %u is shorter than its 44 fixed bytes: not trusted",
			length);
		return -1;
	}
	if ((length - MCFG_FIXED_BYTES) % MCFG_ENTRY_BYTES)
		log_warn(
			"acpi: MCFG: %u bytes of entries is not a whole number of 16-byte entries; the odd bytes are ignored",
			length - MCFG_FIXED_BYTES);
	for (size_t off = MCFG_FIXED_BYTES; off + MCFG_ENTRY_BYTES <= length;
	     off += MCFG_ENTRY_BYTES) {
		const uint8_t *e = t + off;
		struct platform_ecam w = {
			.base = load_le64(e),
			.segment = load_le16(e + 8),
			.bus_start = e[10],
			.bus_end = e[11],
		};
		const char *bad = NULL;
		if (w.bus_end < w.bus_start)
			bad = "its last bus is before its first";
		else if (w.base == 0 || (w.base & (ECAM_BUS_BYTES - 1)))
			bad = "its base is 0 or not 1 MiB aligned";
		if (bad) {
			log_warn(
				"acpi: MCFG: entry at offset %zu (segment %u, buses %02x-%02x at 0x%llx): %s: skipped",
				off, w.segment, w.bus_start, w.bus_end, (unsigned long long)w.base,
				bad);
			out->mcfg_entries_bad++;
			continue;
		}
		if (out->ecam_count == PLATFORM_MAX_ECAM) {
			log_warn("acpi: MCFG: more than %u entries; ignoring the rest",
				 PLATFORM_MAX_ECAM);
			break;
		}
		out->ecam[out->ecam_count++] = w;
	}
	out->has_mcfg = true;
	return 0;
}

const struct platform_ecam *platform_ecam_segment0(const struct platform *p)
{
	for (unsigned i = 0; i < p->ecam_count; i++)
		if (p->ecam[i].segment == 0 && p->ecam[i].bus_start == 0)
			return &p->ecam[i];
	return NULL;
}

/* ---- walking ------------------------------------------------------------------ */

/* Map a whole table: its header first, to learn its length. */
static const uint8_t *map_table(const struct acpi_memory *mem, uint64_t phys, const char *what,
				size_t *len)
{
	const uint8_t *h = mem->map(mem->ctx, phys, ACPI_HEADER_BYTES);
	if (!h) {
		log_warn("acpi: %s at 0x%llx cannot be read: skipped", what,
			 (unsigned long long)phys);
		return NULL;
	}
	uint32_t length = load_le32(h + 4);
	if (length < ACPI_HEADER_BYTES || length > ACPI_TABLE_MAX_BYTES) {
		char sig[5];
		printable(sig, h, 4);
		log_warn("acpi: %s at 0x%llx ('%s'): length field %u is not plausible: not trusted",
			 what, (unsigned long long)phys, sig, length);
		return NULL;
	}
	const uint8_t *t = mem->map(mem->ctx, phys, length);
	if (!t) {
		log_warn("acpi: %s at 0x%llx: its %u bytes cannot be read: not trusted", what,
			 (unsigned long long)phys, length);
		return NULL;
	}
	*len = length;
	return t;
}

static void notify(const struct acpi_memory *mem, uint64_t phys, const uint8_t *t, size_t len)
{
	if (mem->on_table)
		mem->on_table(mem->on_table_ctx, phys, t, len);
}

static void visit_table(const struct acpi_memory *mem, const char *root, unsigned index,
			uint64_t phys, struct platform *out)
{
	char what[24];
	size_t len;

	ksnprintf(what, sizeof(what), "%s entry %u", root, index);
	if (phys == 0) {
		log_warn("acpi: %s is a null address: skipped", what);
		out->tables_untrusted++;
		return;
	}
	const uint8_t *t = map_table(mem, phys, what, &len);
	if (!t || !acpi_table_valid(t, len, NULL)) {
		out->tables_untrusted++;
		return;
	}
	notify(mem, phys, t, len);

	char name[16];
	table_name(name, t);
	log_debug("acpi: %s: %s at 0x%llx, %zu bytes", what, name, (unsigned long long)phys, len);
	if (!memcmp(t, "APIC", 4)) {
		if (out->has_madt)
			log_warn("acpi: a second MADT at 0x%llx: ignored, the first one stands",
				 (unsigned long long)phys);
		else if (acpi_madt_parse(t, len, out))
			out->tables_untrusted++;
	} else if (!memcmp(t, "FACP", 4)) {
		if (out->has_fadt)
			log_warn("acpi: a second FADT at 0x%llx: ignored, the first one stands",
				 (unsigned long long)phys);
		else if (acpi_fadt_parse(t, len, out))
			out->tables_untrusted++;
	} else if (!memcmp(t, "MCFG", 4)) {
		if (out->has_mcfg)
			log_warn("acpi: a second MCFG at 0x%llx: ignored, the first one stands",
				 (unsigned long long)phys);
		else if (acpi_mcfg_parse(t, len, out))
			out->tables_untrusted++;
	}
}

static int walk_root(const struct acpi_memory *mem, uint64_t phys, const char *sig,
		     unsigned entry_size, struct platform *out)
{
	size_t len;
	const uint8_t *t = map_table(mem, phys, sig, &len);

	out->tables_seen++;
	if (!t || !acpi_table_valid(t, len, sig)) {
		out->tables_untrusted++;
		return -1;
	}
	size_t entries = (len - ACPI_HEADER_BYTES) / entry_size;
	if ((len - ACPI_HEADER_BYTES) % entry_size)
		log_warn(
			"acpi: %s: %zu bytes of entries is not a whole number of %u-byte addresses; the odd bytes are ignored",
			sig, len - ACPI_HEADER_BYTES, entry_size);
	out->root_is_xsdt = entry_size == 8;
	out->root_address = phys;
	notify(mem, phys, t, len);

	for (size_t i = 0; i < entries; i++) {
		const uint8_t *e = t + ACPI_HEADER_BYTES + i * entry_size;
		out->tables_seen++;
		visit_table(mem, sig, (unsigned)i, entry_size == 8 ? load_le64(e) : load_le32(e),
			    out);
	}
	return 0;
}

int acpi_walk(const struct acpi_rsdp *rsdp, const struct acpi_memory *mem, struct platform *out)
{
	memset(out, 0, sizeof(*out));
	out->rsdp_revision = rsdp->revision;
	memcpy(out->oem_id, rsdp->oem_id, sizeof(out->oem_id));
	out->oem_id[sizeof(out->oem_id) - 1] = '\0';

	if (rsdp->has_xsdt) {
		/* The root is checked before any entry is parsed, so a failed
		 * XSDT has left nothing behind in `out`. */
		if (walk_root(mem, rsdp->xsdt_address, "XSDT", 8, out) == 0)
			return 0;
		if (rsdp->rsdt_address == 0)
			return -1;
		log_warn("acpi: falling back from the XSDT to the RSDT");
	}
	if (rsdp->rsdt_address == 0) {
		log_warn("acpi: the RSDP names no RSDT");
		return -1;
	}
	return walk_root(mem, rsdp->rsdt_address, "RSDT", 4, out);
}

/* ---- using the result --------------------------------------------------------- */

#define ISA_IRQS 16

static const struct platform_override *isa_override(const struct platform *p, unsigned irq)
{
	for (unsigned i = 0; i < p->override_count; i++)
		if (p->overrides[i].bus == 0 && p->overrides[i].source_irq == irq)
			return &p->overrides[i];
	return NULL;
}

bool platform_isa_route(const struct platform *p, unsigned irq, struct isa_route *out)
{
	if (irq >= ISA_IRQS)
		return false;
	const struct platform_override *o = isa_override(p, irq);
	if (o) {
		/* Conforming means "what the bus does": ISA is edge, active high. */
		out->gsi = o->gsi;
		out->active_low = o->polarity == ACPI_POLARITY_LOW;
		out->level = o->trigger == ACPI_TRIGGER_LEVEL;
		return true;
	}
	if (p->isa_routes_listed)
		return false;
	for (unsigned i = 0; i < p->override_count; i++)
		if (p->overrides[i].bus == 0 && p->overrides[i].gsi == irq)
			return false; /* GSI `irq` belongs to another IRQ */
	out->gsi = irq;
	out->active_low = false;
	out->level = false;
	return true;
}

bool platform_wants_x2apic(const struct platform *p, unsigned *above_254, unsigned *x2apic_entries)
{
	*above_254 = *x2apic_entries = 0;
	for (unsigned i = 0; i < p->cpu_count; i++) {
		if (p->cpus[i].apic_id > 254)
			(*above_254)++;
		if (p->cpus[i].x2apic)
			(*x2apic_entries)++;
	}
	return *above_254 || *x2apic_entries;
}

const struct platform_ioapic *platform_ioapic_for_gsi(const struct platform *p, uint32_t gsi)
{
	const struct platform_ioapic *best = NULL;

	for (unsigned i = 0; i < p->ioapic_count; i++) {
		const struct platform_ioapic *io = &p->ioapics[i];
		if (io->gsi_base > gsi || (best && best->gsi_base >= io->gsi_base))
			continue;
		if (io->gsi_count && gsi - io->gsi_base >= io->gsi_count)
			continue;
		best = io;
	}
	return best;
}

static const char *polarity_name(enum acpi_polarity p, bool isa)
{
	switch (p) {
	case ACPI_POLARITY_HIGH:
		return "high";
	case ACPI_POLARITY_LOW:
		return "low";
	default:
		return isa ? "high" : "conforming";
	}
}

static const char *trigger_name(enum acpi_trigger t, bool isa)
{
	switch (t) {
	case ACPI_TRIGGER_EDGE:
		return "edge";
	case ACPI_TRIGGER_LEVEL:
		return "level";
	default:
		return isa ? "edge" : "conforming";
	}
}

static unsigned flags_of(enum acpi_polarity p, enum acpi_trigger t)
{
	return (unsigned)p | (unsigned)t << 2;
}

/* The summary, the IOAPICs and anything odd at info level; each override
 * and NMI wiring at debug (loglevel=debug): `irqs` shows the routes in use,
 * and a boot log line costs a character time per byte on a serial line. */
static void print_madt(const struct platform *p)
{
	char ids[LOG_LINE_MAX];
	size_t n = 0;

	for (unsigned i = 0; i < p->cpu_count && n < sizeof(ids); i++)
		n += (size_t)ksnprintf(ids + n, sizeof(ids) - n, "%s%u", i ? " " : "",
				       p->cpus[i].apic_id);
	ids[n < sizeof(ids) ? n : sizeof(ids) - 1] = '\0';
	log_info(
		"acpi: MADT: lapic 0x%llx%s, %u cpus (apic ids %s), %u disabled, %u over the limit; %s",
		(unsigned long long)p->lapic_address,
		p->lapic_address_overridden ? " (64-bit override)" : "", p->cpu_count, ids,
		p->cpus_disabled, p->cpus_dropped, p->has_8259 ? "8259s present" : "no 8259s");
	for (unsigned i = 0; i < p->ioapic_count; i++) {
		const struct platform_ioapic *io = &p->ioapics[i];
		if (io->gsi_count)
			log_info("acpi: MADT: ioapic id %u at 0x%x gsi %u-%u", io->id, io->address,
				 io->gsi_base, io->gsi_base + io->gsi_count - 1);
		else
			log_info("acpi: MADT: ioapic id %u at 0x%x gsi base %u", io->id,
				 io->address, io->gsi_base);
	}
	for (unsigned i = 0; i < p->override_count; i++) {
		const struct platform_override *o = &p->overrides[i];
		bool isa = o->bus == 0;
		log_debug("acpi: MADT: override %sirq %u -> gsi %u flags 0x%x (%s, %s)",
			  isa ? "" : "non-ISA bus ", o->source_irq, o->gsi,
			  flags_of(o->polarity, o->trigger), trigger_name(o->trigger, isa),
			  polarity_name(o->polarity, isa));
	}
	for (unsigned i = 0; i < p->nmi_source_count; i++) {
		const struct platform_nmi_source *s = &p->nmi_sources[i];
		log_debug("acpi: MADT: nmi source gsi %u (%s, %s)", s->gsi,
			  trigger_name(s->trigger, false), polarity_name(s->polarity, false));
	}
	for (unsigned i = 0; i < p->lapic_nmi_count; i++) {
		const struct platform_lapic_nmi *l = &p->lapic_nmis[i];
		char who[24];
		if (l->acpi_uid == PLATFORM_ALL_CPUS)
			ksnprintf(who, sizeof(who), "all cpus");
		else
			ksnprintf(who, sizeof(who), "cpu uid %u", l->acpi_uid);
		log_debug("acpi: MADT: lapic nmi on %s lint%u (%s, %s)", who, l->lint,
			  trigger_name(l->trigger, false), polarity_name(l->polarity, false));
	}
	if (p->madt_entries_unknown || p->madt_entries_bad || p->madt_entries_dropped)
		log_info("acpi: MADT: %u entries of unused types, %u bad, %u over the limits",
			 p->madt_entries_unknown, p->madt_entries_bad, p->madt_entries_dropped);
}

static void print_fadt(const struct platform *p)
{
	static const char *const space[] = { "memory", "io", "pci-config" };

	if (p->has_reset_reg)
		log_info("acpi: FADT reset register: %s 0x%llx value 0x%x",
			 space[p->reset_reg.space], (unsigned long long)p->reset_reg.address,
			 p->reset_value);
	else
		log_info("acpi: FADT has no reset register");
	if (p->has_boot_arch)
		log_info("acpi: FADT revision %u: IAPC_BOOT_ARCH 0x%x, 8042 %s", p->fadt_revision,
			 p->boot_arch, p->has_8042 ? "present" : "absent");
	else
		log_info("acpi: FADT revision %u: no IAPC_BOOT_ARCH, 8042 presence not stated",
			 p->fadt_revision);
}

void platform_print(const struct platform *p)
{
	if (p->has_madt)
		print_madt(p);
	else
		log_info("acpi: no trusted MADT");
	if (p->has_fadt)
		print_fadt(p);
	else
		log_info("acpi: no trusted FADT: no reset register");
	if (p->has_mcfg)
		for (unsigned i = 0; i < p->ecam_count; i++)
			log_info("acpi: MCFG: ECAM for segment %u buses %02x-%02x at 0x%llx",
				 p->ecam[i].segment, p->ecam[i].bus_start, p->ecam[i].bus_end,
				 (unsigned long long)p->ecam[i].base);
	else
		log_debug("acpi: no MCFG: PCI configuration space through ports 0xcf8/0xcfc");
	if (p->tables_untrusted)
		log_info("acpi: %u of %u tables were not trusted (see the warnings above)",
			 p->tables_untrusted, p->tables_seen);
}
