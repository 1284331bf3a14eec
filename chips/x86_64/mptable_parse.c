/*
 * MP table parsers (see mptable_parse.h), following the Intel
 * MultiProcessor Specification, version 1.4 (May 1997): 4.1 (floating
 * pointer), 4.2 (configuration table header), 4.3 (base table entries),
 * 5 (default configurations). Pure functions over bytes: every field is
 * read byte by byte (little endian, no alignment assumed), every read is
 * inside the length the caller said may be read, and a table is believed
 * only after its lengths and checksum check out.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/mptable_parse.h"
#include "kernel/bytes.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

/* ---- bytes ------------------------------------------------------------------ */

/* n bytes of a blank-padded name into out (n+1 bytes): unprintables as
 * '?' (a garbage table cannot put control characters on the console),
 * trailing blanks removed. */
static void name_of(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?');
	out[n] = '\0';
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* ---- the floating pointer (MP spec 4.1) -------------------------------------- */

static const uint8_t floating_signature[4] = { '_', 'M', 'P', '_' };

#define FP_ADDRESS 4
#define FP_LENGTH 8
#define FP_SPEC_REV 9
#define FP_FEATURE1 11
#define FP_FEATURE2 12
#define FP_IMCRP 0x80
#define MP_DEFAULT_CONFIGS 7

static bool floating_candidate(const uint8_t *b)
{
	return !memcmp(b, floating_signature, 4) && b[FP_LENGTH] == 1 &&
	       bytes_sum8(b, MP_FLOATING_BYTES) == 0;
}

long mp_floating_scan(const void *area, size_t len)
{
	const uint8_t *b = area;

	for (size_t off = 0; len >= MP_FLOATING_BYTES && off <= len - MP_FLOATING_BYTES; off += 16)
		if (floating_candidate(b + off))
			return (long)off;
	return -1;
}

int mp_floating_parse(const void *bytes, size_t avail, struct mp_floating *out)
{
	const uint8_t *b = bytes;

	memset(out, 0, sizeof(*out));
	if (avail < MP_FLOATING_BYTES) {
		log_warn("mptable: floating pointer: only %zu bytes, it has 16: not trusted",
			 avail);
		return -1;
	}
	if (memcmp(b, floating_signature, 4) != 0) {
		char sig[5];
		name_of(sig, b, 4);
		log_warn("mptable: floating pointer: signature is '%s', not '_MP_': not trusted",
			 sig);
		return -1;
	}
	if (b[FP_LENGTH] != 1) {
		log_warn(
			"mptable: floating pointer: length %u paragraphs, the spec's is 1: not trusted",
			b[FP_LENGTH]);
		return -1;
	}
	uint8_t sum = bytes_sum8(b, MP_FLOATING_BYTES);
	if (sum) {
		log_warn("mptable: floating pointer: checksum sums to 0x%02x, not 0: not trusted",
			 sum);
		return -1;
	}
	out->config_address = load_le32(b + FP_ADDRESS);
	out->spec_rev = b[FP_SPEC_REV];
	out->default_config = b[FP_FEATURE1];
	out->imcr = b[FP_FEATURE2] & FP_IMCRP;
	if (out->spec_rev != 1 && out->spec_rev != 4)
		log_info("mptable: floating pointer: spec revision %u (knows 1 and 4); read as 1.4",
			 out->spec_rev);
	if (out->default_config > MP_DEFAULT_CONFIGS) {
		log_warn("mptable: floating pointer: default configuration %u does not exist "
			 "(1-7): not trusted",
			 out->default_config);
		return -1;
	}
	if (!out->default_config && !out->config_address) {
		log_warn("mptable: floating pointer names neither a configuration table nor a "
			 "default configuration: not trusted");
		return -1;
	}
	return 0;
}

/* ---- the configuration table (MP spec 4.2, 4.3) ------------------------------- */

#define CT_BASE_LENGTH 4
#define CT_SPEC_REV 6
#define CT_OEM_ID 8
#define CT_PRODUCT_ID 16
#define CT_ENTRY_COUNT 34
#define CT_LAPIC 36
#define CT_EXT_LENGTH 40
#define CT_EXT_CHECKSUM 42

enum mp_entry_type {
	MP_ENTRY_CPU = 0,
	MP_ENTRY_BUS = 1,
	MP_ENTRY_IOAPIC = 2,
	MP_ENTRY_IO_INT = 3,
	MP_ENTRY_LOCAL_INT = 4,
};

/* Base entries have fixed lengths by type: nothing else says how long. */
static size_t entry_length(uint8_t type)
{
	return type == MP_ENTRY_CPU ? 20 : type <= MP_ENTRY_LOCAL_INT ? 8 : 0;
}

static const char *const entry_names[] = { "processor", "bus", "IOAPIC", "I/O interrupt",
					   "local interrupt" };

static void read_int(const uint8_t *e, struct mp_int *i)
{
	uint16_t flags = load_le16(e + 2);
	i->type = e[1];
	/* The PO and EL fields are the MADT's MPS INTI flags, bit for bit. */
	i->polarity = (enum acpi_polarity)(flags & 3);
	i->trigger = (enum acpi_trigger)((flags >> 2) & 3);
	i->src_bus = e[4];
	i->src_irq = e[5];
	i->dst_id = e[6];
	i->dst_pin = e[7];
}

/* One base entry of `len` bytes at e into mc. Returns false if it is over
 * a limit (counted). */
static bool read_entry(const uint8_t *e, struct mp_config *mc)
{
	switch (e[0]) {
	case MP_ENTRY_CPU:
		if (mc->cpu_count == MP_MAX_CPUS)
			return false;
		mc->cpus[mc->cpu_count++] = (struct mp_cpu){
			.apic_id = e[1],
			.apic_version = e[2],
			.enabled = e[3] & 1,
			.bsp = e[3] & 2,
			.signature = load_le32(e + 4),
			.features = load_le32(e + 8),
		};
		return true;
	case MP_ENTRY_BUS:
		if (mc->bus_count == MP_MAX_BUSES)
			return false;
		mc->buses[mc->bus_count].id = e[1];
		name_of(mc->buses[mc->bus_count].type, e + 2, 6);
		mc->bus_count++;
		return true;
	case MP_ENTRY_IOAPIC:
		if (mc->ioapic_count == MP_MAX_IOAPICS)
			return false;
		mc->ioapics[mc->ioapic_count++] = (struct mp_ioapic){
			.id = e[1],
			.version = e[2],
			.enabled = e[3] & 1,
			.address = load_le32(e + 4),
		};
		return true;
	case MP_ENTRY_IO_INT:
		if (mc->io_int_count == MP_MAX_IO_INTS)
			return false;
		read_int(e, &mc->io_ints[mc->io_int_count++]);
		return true;
	default: /* MP_ENTRY_LOCAL_INT: the caller checked the type */
		if (mc->local_int_count == MP_MAX_LOCAL_INTS)
			return false;
		read_int(e, &mc->local_ints[mc->local_int_count++]);
		return true;
	}
}

static void walk_entries(const uint8_t *t, struct mp_config *mc)
{
	size_t at = MP_CONFIG_HEADER_BYTES;

	while (mc->entries_read < mc->entry_count) {
		if (at == mc->base_length) {
			log_warn("mptable: the header counts %u entries but the %u-byte base table "
				 "holds %u: using those",
				 mc->entry_count, mc->base_length, mc->entries_read);
			return;
		}
		uint8_t type = t[at];
		size_t len = entry_length(type);
		if (!len) {
			log_warn(
				"mptable: entry %u (offset %zu) has type %u, not a base entry type "
				"(0-4): the entries after it cannot be found; using the %u before it",
				mc->entries_read, at, type, mc->entries_read);
			return;
		}
		if (len > mc->base_length - at) {
			log_warn("mptable: entry %u (%s, offset %zu) runs past the %u-byte base "
				 "table: using the %u before it",
				 mc->entries_read, entry_names[type], at, mc->base_length,
				 mc->entries_read);
			return;
		}
		if (!read_entry(t + at, mc))
			mc->entries_dropped++;
		mc->entries_read++;
		at += len;
	}
	if (at != mc->base_length)
		log_info("mptable: %zu bytes after the %u entries the header counts: ignored",
			 mc->base_length - at, mc->entry_count);
}

int mp_config_parse(const void *table, size_t avail, struct mp_config *out)
{
	const uint8_t *t = table;

	memset(out, 0, sizeof(*out));
	if (avail < MP_CONFIG_HEADER_BYTES) {
		log_warn("mptable: configuration table: only %zu bytes readable, its header has "
			 "44: not trusted",
			 avail);
		return -1;
	}
	if (memcmp(t, "PCMP", 4) != 0) {
		char sig[5];
		name_of(sig, t, 4);
		log_warn("mptable: configuration table: signature is '%s', not 'PCMP': not trusted",
			 sig);
		return -1;
	}
	uint16_t base = load_le16(t + CT_BASE_LENGTH);
	if (base < MP_CONFIG_HEADER_BYTES || base > avail) {
		log_warn("mptable: configuration table: base length %u is not between 44 and the "
			 "%zu bytes readable: not trusted",
			 base, avail);
		return -1;
	}
	uint8_t sum = bytes_sum8(t, base);
	if (sum) {
		log_warn("mptable: configuration table: checksum over %u bytes sums to 0x%02x, "
			 "not 0: not trusted",
			 base, sum);
		return -1;
	}
	out->base_length = base;
	out->spec_rev = t[CT_SPEC_REV];
	name_of(out->oem_id, t + CT_OEM_ID, 8);
	name_of(out->product_id, t + CT_PRODUCT_ID, 12);
	out->entry_count = load_le16(t + CT_ENTRY_COUNT);
	out->lapic_address = load_le32(t + CT_LAPIC);
	out->extended_length = load_le16(t + CT_EXT_LENGTH);

	walk_entries(t, out);

	/* The extended table (MP spec 4.4) follows the base table; its
	 * checksum byte sits in the header and adds to its bytes to give 0. */
	if (out->extended_length) {
		if (out->extended_length > avail - base)
			log_info("mptable: extended table (%u bytes) not readable: ignored",
				 out->extended_length);
		else if ((uint8_t)(bytes_sum8(t + base, out->extended_length) + t[CT_EXT_CHECKSUM]))
			log_warn("mptable: extended table checksum is wrong: ignored");
		else
			out->extended_trusted = true;
	}
	return 0;
}

/* The spec allows 64 KiB of base table and as much again of extended table. */
#define MP_CONFIG_MAX_BYTES (2 * 65535)

int mp_config_read(const struct mp_floating *fp, mp_map_fn map, void *ctx, struct mp_config *out)
{
	memset(out, 0, sizeof(*out));
	if (!fp->config_address) {
		log_warn("mptable: no configuration table: default configuration %u",
			 fp->default_config);
		return -1;
	}
	const uint8_t *h = map(ctx, fp->config_address, MP_CONFIG_HEADER_BYTES);
	if (!h) {
		log_warn("mptable: configuration table at 0x%x cannot be read: not trusted",
			 fp->config_address);
		return -1;
	}
	if (memcmp(h, "PCMP", 4) != 0)
		return mp_config_parse(h, MP_CONFIG_HEADER_BYTES, out); /* says why */
	size_t len = (size_t)load_le16(h + CT_BASE_LENGTH) + load_le16(h + CT_EXT_LENGTH);
	if (len < MP_CONFIG_HEADER_BYTES)
		len = MP_CONFIG_HEADER_BYTES; /* the parser refuses the base length */
	const uint8_t *t = map(ctx, fp->config_address, len);
	if (!t) {
		/* The extended table is optional: try the base table alone. */
		len = load_le16(h + CT_BASE_LENGTH);
		t = len >= MP_CONFIG_HEADER_BYTES ? map(ctx, fp->config_address, len) : NULL;
	}
	if (!t) {
		log_warn("mptable: configuration table at 0x%x (%zu bytes) cannot be read: not "
			 "trusted",
			 fp->config_address, len);
		return -1;
	}
	return mp_config_parse(t, len, out);
}

int mp_isa_bus(const struct mp_config *mc)
{
	for (unsigned i = 0; i < mc->bus_count; i++)
		if (!strcmp(mc->buses[i].type, "ISA"))
			return mc->buses[i].id;
	return -1;
}

/* ---- the platform ------------------------------------------------------------- */

#define ISA_IRQS 16
#define IOAPIC_DEFAULT_ENTRIES 24 /* the 82093AA's, and QEMU's */

static bool cpu_listed(const struct mp_config *mc, unsigned apic_id)
{
	for (unsigned i = 0; i < mc->cpu_count; i++)
		if (mc->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

static void add_cpu(struct platform *out, uint32_t apic_id)
{
	if (out->cpu_count == PLATFORM_MAX_CPUS) {
		out->cpus_dropped++;
		return;
	}
	out->cpus[out->cpu_count++] =
		(struct platform_cpu){ .apic_id = apic_id, .acpi_uid = apic_id };
}

static void fill_cpus(const struct mp_config *mc, unsigned logical, struct platform *out)
{
	for (unsigned i = 0; i < mc->cpu_count; i++) {
		if (mc->cpus[i].enabled)
			add_cpu(out, mc->cpus[i].apic_id);
		else
			out->cpus_disabled++;
	}
	if (logical <= 1 || logical > 256)
		return;
	for (unsigned i = 0; i < mc->cpu_count; i++) {
		unsigned first = mc->cpus[i].apic_id;
		if (!mc->cpus[i].enabled || first % logical)
			continue;
		for (unsigned id = first + 1; id < first + logical && id < MP_ALL_APICS; id++)
			if (!cpu_listed(mc, id))
				add_cpu(out, id);
	}
}

/* Index into out->ioapics of the enabled IOAPIC with `id`, or -1. */
static int ioapic_index(const struct platform *out, uint8_t id)
{
	for (unsigned i = 0; i < out->ioapic_count; i++)
		if (out->ioapics[i].id == id)
			return (int)i;
	return -1;
}

static void fill_ioapics(const struct mp_config *mc, const uint32_t *entries, struct platform *out)
{
	uint32_t next_gsi = 0;

	for (unsigned i = 0; i < mc->ioapic_count; i++) {
		const struct mp_ioapic *io = &mc->ioapics[i];
		uint32_t n = entries ? entries[i] : 0;
		if (!io->enabled)
			continue;
		if (out->ioapic_count == PLATFORM_MAX_IOAPICS || ioapic_index(out, io->id) >= 0) {
			out->madt_entries_dropped++;
			continue;
		}
		out->ioapics[out->ioapic_count++] = (struct platform_ioapic){
			.id = io->id,
			.address = io->address,
			.gsi_base = next_gsi,
			.gsi_count = n,
		};
		next_gsi += n ? n : IOAPIC_DEFAULT_ENTRIES;
	}
}

/* The GSI of an I/O interrupt entry: its IOAPIC's base plus its INTIN, or
 * false if it goes to no enabled IOAPIC (or to all of them, which knock
 * does not do). */
static bool entry_gsi(const struct platform *out, const struct mp_int *e, uint32_t *gsi)
{
	int io = ioapic_index(out, e->dst_id);
	if (io < 0)
		return false;
	const struct platform_ioapic *a = &out->ioapics[io];
	if (a->gsi_count && e->dst_pin >= a->gsi_count)
		return false;
	*gsi = a->gsi_base + e->dst_pin;
	return true;
}

static bool has_override(const struct platform *out, unsigned irq)
{
	for (unsigned i = 0; i < out->override_count; i++)
		if (out->overrides[i].source_irq == irq)
			return true;
	return false;
}

static void fill_io_ints(const struct mp_config *mc, int isa, struct platform *out)
{
	for (unsigned i = 0; i < mc->io_int_count; i++) {
		const struct mp_int *e = &mc->io_ints[i];
		uint32_t gsi;
		if (e->type == MP_INT_INT && (int)e->src_bus == isa && e->src_irq < ISA_IRQS) {
			if (!entry_gsi(out, e, &gsi)) {
				out->madt_entries_bad++;
				continue;
			}
			if (has_override(out, e->src_irq) ||
			    out->override_count == PLATFORM_MAX_OVERRIDES) {
				out->madt_entries_dropped++;
				continue;
			}
			out->overrides[out->override_count++] = (struct platform_override){
				.bus = 0,
				.source_irq = e->src_irq,
				.gsi = gsi,
				.polarity = e->polarity,
				.trigger = e->trigger,
			};
		} else if (e->type == MP_INT_NMI) {
			if (!entry_gsi(out, e, &gsi)) {
				out->madt_entries_bad++;
				continue;
			}
			if (out->nmi_source_count == PLATFORM_MAX_NMI_SOURCES) {
				out->madt_entries_dropped++;
				continue;
			}
			out->nmi_sources[out->nmi_source_count++] = (struct platform_nmi_source){
				.gsi = gsi, .polarity = e->polarity, .trigger = e->trigger
			};
		} else {
			out->madt_entries_unknown++; /* PCI and other buses, SMI, ExtINT */
		}
	}
}

static void fill_local_ints(const struct mp_config *mc, struct platform *out)
{
	for (unsigned i = 0; i < mc->local_int_count; i++) {
		const struct mp_int *e = &mc->local_ints[i];
		if (e->type != MP_INT_NMI || e->dst_pin > 1) {
			out->madt_entries_unknown++; /* ExtINT on LINT0: the 8259's wire */
			continue;
		}
		if (out->lapic_nmi_count == PLATFORM_MAX_LAPIC_NMIS) {
			out->madt_entries_dropped++;
			continue;
		}
		out->lapic_nmis[out->lapic_nmi_count++] = (struct platform_lapic_nmi){
			.acpi_uid = e->dst_id == MP_ALL_APICS ? PLATFORM_ALL_CPUS : e->dst_id,
			.lint = e->dst_pin,
			.polarity = e->polarity,
			.trigger = e->trigger,
		};
	}
}

int mptable_to_platform(const struct mp_floating *fp, const struct mp_config *mc,
			const uint32_t *ioapic_entries, unsigned logical_per_package,
			struct platform *out)
{
	platform_madt_clear(out);
	out->lapic_address = mc->lapic_address;
	out->has_8259 = true;
	out->has_imcr = fp->imcr;
	out->isa_routes_listed = true;
	fill_cpus(mc, logical_per_package, out);
	fill_ioapics(mc, ioapic_entries, out);
	int isa = mp_isa_bus(mc);
	fill_io_ints(mc, isa, out);
	fill_local_ints(mc, out);

	if (!out->cpu_count || !out->ioapic_count || isa < 0) {
		log_warn("mptable: not usable: %u enabled cpus, %u enabled IOAPICs, %s",
			 out->cpu_count, out->ioapic_count, isa < 0 ? "no ISA bus" : "an ISA bus");
		return -1;
	}
	return 0;
}

/* ---- printing ----------------------------------------------------------------- */

static const char *const int_types[] = { "INT", "NMI", "SMI", "ExtINT" };

static const char *int_type_name(uint8_t type)
{
	return type < 4 ? int_types[type] : "type?";
}

/* "edge high" and the like, as the flags say ("conforming" when they
 * leave it to the bus). */
static void flags_text(char out[32], const struct mp_int *e)
{
	static const char *const pol[] = { "conforming", "high", "reserved", "low" };
	static const char *const trig[] = { "conforming", "edge", "reserved", "level" };
	ksnprintf(out, 32, "%s, %s", trig[e->trigger & 3], pol[e->polarity & 3]);
}

static const char *bus_name(const struct mp_config *mc, uint8_t id)
{
	for (unsigned i = 0; i < mc->bus_count; i++)
		if (mc->buses[i].id == id)
			return mc->buses[i].type;
	return "?";
}

void mp_config_print(const struct mp_floating *fp, const struct mp_config *mc)
{
	char line[LOG_LINE_MAX];
	size_t n = 0;

	log_info("mptable: spec 1.%u, OEM '%s' product '%s', lapic 0x%x, %u entries%s%s",
		 mc->spec_rev, mc->oem_id, mc->product_id, mc->lapic_address, mc->entries_read,
		 mc->extended_trusted ? ", extended table" : "",
		 fp->imcr ? ", IMCR (PIC mode at reset)" : ", virtual wire");
	for (unsigned i = 0; i < mc->cpu_count && n < sizeof(line); i++)
		n += (size_t)ksnprintf(line + n, sizeof(line) - n, "%s%u%s%s", i ? " " : "",
				       mc->cpus[i].apic_id, mc->cpus[i].bsp ? " (bsp)" : "",
				       mc->cpus[i].enabled ? "" : " (disabled)");
	line[n < sizeof(line) ? n : sizeof(line) - 1] = '\0';
	log_info("mptable: %u processors: apic ids %s", mc->cpu_count, line);
	n = 0;
	line[0] = '\0';
	for (unsigned i = 0; i < mc->bus_count && n < sizeof(line); i++)
		n += (size_t)ksnprintf(line + n, sizeof(line) - n, "%s%u %s", i ? ", " : "",
				       mc->buses[i].id, mc->buses[i].type);
	line[n < sizeof(line) ? n : sizeof(line) - 1] = '\0';
	log_info("mptable: buses: %s", line);
	for (unsigned i = 0; i < mc->ioapic_count; i++)
		log_info("mptable: ioapic id %u version 0x%x at 0x%x%s", mc->ioapics[i].id,
			 mc->ioapics[i].version, mc->ioapics[i].address,
			 mc->ioapics[i].enabled ? "" : " (disabled)");
	int isa = mp_isa_bus(mc);
	unsigned other = 0;
	for (unsigned i = 0; i < mc->io_int_count; i++) {
		const struct mp_int *e = &mc->io_ints[i];
		char flags[32];
		if ((int)e->src_bus != isa) {
			other++;
			continue;
		}
		flags_text(flags, e);
		log_info("mptable: %s ISA irq %u -> ioapic %u pin %u (%s)", int_type_name(e->type),
			 e->src_irq, e->dst_id, e->dst_pin, flags);
	}
	if (other)
		log_info("mptable: %u interrupt entries of other buses (not used)", other);
	for (unsigned i = 0; i < mc->local_int_count; i++) {
		const struct mp_int *e = &mc->local_ints[i];
		char flags[32], who[16];
		flags_text(flags, e);
		if (e->dst_id == MP_ALL_APICS)
			ksnprintf(who, sizeof(who), "all cpus");
		else
			ksnprintf(who, sizeof(who), "apic %u", e->dst_id);
		log_info("mptable: local %s from %s irq %u -> %s lint%u (%s)",
			 int_type_name(e->type), bus_name(mc, e->src_bus), e->src_irq, who,
			 e->dst_pin, flags);
	}
	if (mc->entries_dropped)
		log_info("mptable: %u entries over knock's limits: not kept", mc->entries_dropped);
}
