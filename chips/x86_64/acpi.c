/*
 * ACPI on the PC (see acpi.h): where the tables are and how to reach them.
 *
 * Tables are read in place through boot/entry32.asm's identity map of the
 * first 4 GiB, which is where every BIOS (and QEMU) puts them; nothing is
 * copied. Everything a table says is checked by acpi_parse.c first.
 *
 * Spec: ACPI Specification 6.5: 5.2.5 (RSDP and where firmware puts it),
 * 5.2.7-5.2.8 (RSDT, XSDT), 4.8.4.6 (the reset register).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi.h"
#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/ioapic.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define IDENTITY_MAP_END 0x100000000ull /* boot/entry32.asm maps 0..4 GiB */
#define PAGE0_END 0x1000ull             /* unmapped: NULL faults */
#define EBDA_SCAN_BYTES 1024            /* ACPI: the RSDP is in its first KiB */
#define EBDA_LOWEST 0x80000u            /* the EBDA sits just under 640 KiB */
#define EBDA_END 0xa0000u
#define BIOS_AREA_START 0xe0000u
#define BIOS_AREA_END 0x100000u
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static const struct platform *discovered;
static bool dump_tables;

/* ---- physical memory ---------------------------------------------------------- */

static const void *phys_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= IDENTITY_MAP_END || len > IDENTITY_MAP_END - phys) {
		log_warn(
			"acpi: table bytes at 0x%llx (+%zu) are above 4 GiB, which knock does not map",
			(unsigned long long)phys, len);
		return NULL;
	}
	if (phys < PAGE0_END)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* ---- acpi=dump ---------------------------------------------------------------- */

#define DUMP_BYTES_PER_LINE 32 /* 64 hex digits: the line stays under LOG_LINE_MAX */

static void dump(const char *sig, uint64_t phys, const uint8_t *b, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t off = 0; off < len; off += DUMP_BYTES_PER_LINE) {
		char hex[2 * DUMP_BYTES_PER_LINE + 1];
		size_t n = len - off;
		if (n > DUMP_BYTES_PER_LINE)
			n = DUMP_BYTES_PER_LINE;
		for (size_t i = 0; i < n; i++) {
			hex[2 * i] = digits[b[off + i] >> 4];
			hex[2 * i + 1] = digits[b[off + i] & 0xf];
		}
		hex[2 * n] = '\0';
		kprintf("acpidump: %s %zu 0x%llx %04zx %s\n", sig, len, (unsigned long long)phys,
			off, hex);
	}
}

static void dump_table(void *ctx, uint64_t phys, const uint8_t *table, size_t len)
{
	(void)ctx;
	char sig[5];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)((table[i] > 0x20 && table[i] < 0x7f) ? table[i] : '?');
	sig[4] = '\0';
	dump(sig, phys, table, len);
}

static void read_options(void)
{
	char value[8];
	dump_tables = false;
	if (!cmdline_value("acpi", value, sizeof(value)))
		return;
	if (!strcmp(value, "dump"))
		dump_tables = true;
	else
		log_warn("options: acpi=%s is not 'dump'; ignored", value);
}

/* ---- finding the RSDP --------------------------------------------------------- */

struct rsdp_found {
	struct acpi_rsdp rsdp;
	const char *from;
	uint64_t address;     /* of the bytes parsed (a copy, for the tags) */
	const uint8_t *bytes; /* for acpi=dump */
	size_t len;
};

static bool rsdp_from_tags(const struct boot_info *bi, struct rsdp_found *f)
{
	if (bi->has_rsdp_v2 && acpi_rsdp_parse(bi->rsdp_v2, sizeof(bi->rsdp_v2), &f->rsdp) == 0) {
		f->from = "the multiboot2 ACPI 2.0 tag";
		f->address = bi->rsdp_v2_addr;
		f->bytes = bi->rsdp_v2;
		f->len = sizeof(bi->rsdp_v2);
		return true;
	}
	if (bi->has_rsdp_v1 && acpi_rsdp_parse(bi->rsdp_v1, sizeof(bi->rsdp_v1), &f->rsdp) == 0) {
		f->from = "the multiboot2 ACPI 1.0 tag";
		f->address = bi->rsdp_v1_addr;
		f->bytes = bi->rsdp_v1;
		f->len = sizeof(bi->rsdp_v1);
		return true;
	}
	return false;
}

/* Scan [start, end) on 16-byte boundaries; a candidate whose signature and
 * 20-byte checksum are right but that still fails (say a 2.0 RSDP with a
 * bad length) does not stop the scan. */
static bool rsdp_scan(uint32_t start, uint32_t end, const char *from, struct rsdp_found *f)
{
	const uint8_t *area = (const uint8_t *)(uintptr_t)start;
	size_t len = end - start;
	size_t at = 0;

	while (at < len) {
		long off = acpi_rsdp_scan(area + at, len - at);
		if (off < 0)
			return false;
		at += (size_t)off;
		size_t avail = len - at < ACPI_RSDP_V2_BYTES ? len - at : ACPI_RSDP_V2_BYTES;
		if (acpi_rsdp_parse(area + at, avail, &f->rsdp) == 0) {
			f->from = from;
			f->address = start + at;
			f->bytes = area + at;
			f->len = f->rsdp.revision >= 2 ? avail : ACPI_RSDP_V1_BYTES;
			return true;
		}
		at += 16;
	}
	return false;
}

static bool rsdp_find(const struct boot_info *bi, struct rsdp_found *f)
{
	if (rsdp_from_tags(bi, f))
		return true;
	uint32_t ebda = (uint32_t)boot_ebda_segment << 4;
	if (ebda >= EBDA_LOWEST && ebda + EBDA_SCAN_BYTES <= EBDA_END) {
		if (rsdp_scan(ebda, ebda + EBDA_SCAN_BYTES, "the EBDA", f))
			return true;
	} else {
		log_debug("acpi: EBDA segment 0x%x not known or implausible: not scanned",
			  boot_ebda_segment);
	}
	return rsdp_scan(BIOS_AREA_START, BIOS_AREA_END, "the BIOS area 0xe0000-0xfffff", f);
}

/* ---- discovery ------------------------------------------------------------------ */

int acpi_discover(const struct boot_info *bi, struct platform *out)
{
	struct rsdp_found found;

	memset(out, 0, sizeof(*out));
	discovered = out;
	read_options();
	if (!rsdp_find(bi, &found)) {
		log_warn(
			"acpi: no RSDP (not in the multiboot2 tags, the EBDA or 0xe0000-0xfffff): no ACPI tables");
		return -1;
	}
	if (found.rsdp.has_xsdt)
		log_info("acpi: RSDP rev %u OEM '%s' from %s (at 0x%llx), XSDT at 0x%llx",
			 found.rsdp.revision, found.rsdp.oem_id, found.from,
			 (unsigned long long)found.address,
			 (unsigned long long)found.rsdp.xsdt_address);
	else
		log_info("acpi: RSDP rev %u OEM '%s' from %s (at 0x%llx), RSDT at 0x%x",
			 found.rsdp.revision, found.rsdp.oem_id, found.from,
			 (unsigned long long)found.address, found.rsdp.rsdt_address);
	if (dump_tables)
		dump("RSDP", found.address, found.bytes, found.len);

	struct acpi_memory mem = {
		.map = phys_map,
		.on_table = dump_tables ? dump_table : NULL,
	};
	acpi_walk(&found.rsdp, &mem, out);
	for (unsigned i = 0; i < out->ioapic_count; i++)
		out->ioapics[i].gsi_count = ioapic_probe_entries(out->ioapics[i].address);
	platform_print(out);

	if (!out->has_madt || !out->cpu_count || !out->ioapic_count) {
		log_warn("acpi: no usable MADT (trusted: %s, %u cpus, %u ioapics)",
			 out->has_madt ? "yes" : "no", out->cpu_count, out->ioapic_count);
		return -1;
	}
	return 0;
}

const struct platform *acpi_platform(void)
{
	return discovered;
}

/* ---- reset ---------------------------------------------------------------------- */

bool acpi_reset(const struct platform *p)
{
	if (!p || !p->has_reset_reg)
		return false;
	const struct acpi_gas *r = &p->reset_reg;
	uint64_t a = r->address;

	switch (r->space) {
	case ACPI_SPACE_IO:
		if (a > 0xffff)
			return false;
		outb((uint16_t)a, p->reset_value);
		break;
	case ACPI_SPACE_MEMORY:
		/* Chipset registers sit in ranges the firmware's MTRRs make
		 * uncached, so the write reaches the device even through a
		 * cached mapping. */
		if (a < PAGE0_END || a >= IDENTITY_MAP_END)
			return false;
		*(volatile uint8_t *)(uintptr_t)a = p->reset_value;
		break;
	case ACPI_SPACE_PCI_CONFIG: {
		/* Bus 0; device in bits 32-47, function in 16-31, offset 0-15. */
		uint32_t dev = (uint32_t)(a >> 32) & 0xffff, fn = (uint32_t)(a >> 16) & 0xffff;
		uint32_t off = (uint32_t)a & 0xffff;
		if (dev > 31 || fn > 7 || off > 0xff)
			return false;
		outl(PCI_CONFIG_ADDRESS, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
		outb((uint16_t)(PCI_CONFIG_DATA + (off & 3)), p->reset_value);
		break;
	}
	default:
		return false;
	}
	for (int i = 0; i < 10000; i++)
		io_wait(); /* ~1 us each: the reset has had every chance to happen */
	return false;
}
