/*
 * The MP table on the PC (see mptable.h). Everything the table says is
 * checked by mptable_parse.c first; it is read in place through
 * boot/entry32.asm's identity map of the first 4 GiB.
 *
 * Spec: Intel MultiProcessor Specification, version 1.4 (May 1997): 4.1
 * (where to look for the floating pointer: the EBDA's first KiB, the top
 * KiB of base memory, the BIOS ROM at 0xf0000-0xfffff), 4.2 and 4.3 (the
 * configuration table and its entries).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/acpi.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/mptable.h"
#include "chips/x86_64/mptable_parse.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define IDENTITY_MAP_END 0x100000000ull
#define PAGE0_END 0x1000ull /* unmapped: NULL faults */
#define SCAN_KIB 1024
#define EBDA_LOWEST 0x80000u
#define BASE_MEMORY_END 0xa0000u /* 640 KiB */
#define BASE_MEMORY_DEFAULT_KIB 640
#define BIOS_ROM_START 0xf0000u
#define BIOS_ROM_END 0x100000u

#define CPUID_1_EDX_HTT (1u << 28)

#define IMCR_SELECT 0x22
#define IMCR_DATA 0x23
#define IMCR_REGISTER 0x70
#define IMCR_APIC 0x01

static struct mp_floating floating;
static struct mp_config config; /* about 1.5 KiB: not on the stack */

static const void *phys_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys < PAGE0_END || phys >= IDENTITY_MAP_END || len > IDENTITY_MAP_END - phys)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

static bool scan(uint32_t start, uint32_t end, const char *where, uint32_t *found)
{
	long off = mp_floating_scan((const void *)(uintptr_t)start, end - start);
	if (off < 0)
		return false;
	*found = start + (uint32_t)off;
	log_info("mptable: floating pointer in %s at 0x%x", where, *found);
	return true;
}

/* MP spec 4: the EBDA's first KiB, else the last KiB of base memory, and
 * the BIOS ROM. Base memory's size is the Multiboot2 lower-memory figure
 * (the BIOS's own word at 0x413 is on page 0, which is not mapped). */
static bool find_floating(const struct boot_info *bi, uint32_t *at)
{
	uint32_t ebda = (uint32_t)boot_ebda_segment << 4;
	uint32_t kib = bi->mem_lower_kib ? bi->mem_lower_kib : BASE_MEMORY_DEFAULT_KIB;
	uint32_t base_end = kib * 1024 <= BASE_MEMORY_END ? kib * 1024 : BASE_MEMORY_END;
	bool ebda_ok = ebda >= EBDA_LOWEST && ebda + SCAN_KIB <= BASE_MEMORY_END;

	if (ebda_ok && scan(ebda, ebda + SCAN_KIB, "the EBDA", at))
		return true;
	if (base_end >= EBDA_LOWEST + SCAN_KIB && (!ebda_ok || ebda != base_end - SCAN_KIB) &&
	    scan(base_end - SCAN_KIB, base_end, "the last KiB of base memory", at))
		return true;
	return scan(BIOS_ROM_START, BIOS_ROM_END, "the BIOS ROM 0xf0000-0xfffff", at);
}

/* Logical processor ids per package, if CPUID says there are several
 * (CPUID.1: EDX.HTT, EBX bits 16-23), else 1. */
static unsigned logical_per_package(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_HTT))
		return 1;
	unsigned n = (b >> 16) & 0xff;
	return n ? n : 1;
}

int mptable_discover(const struct boot_info *bi, struct platform *out)
{
	uint32_t at;
	uint32_t entries[MP_MAX_IOAPICS];

	if (!find_floating(bi, &at)) {
		log_warn("mptable: no _MP_ floating pointer (not in the EBDA, the last KiB of "
			 "base memory or 0xf0000-0xfffff)");
		return -1;
	}
	if (mp_floating_parse((const void *)(uintptr_t)at, MP_FLOATING_BYTES, &floating) != 0)
		return -1;
	if (floating.default_config) {
		log_warn("mptable: default configuration %u (no table): knock reads only "
			 "configuration tables; not used",
			 floating.default_config);
		return -1;
	}
	if (mp_config_read(&floating, phys_map, NULL, &config) != 0)
		return -1;
	mp_config_print(&floating, &config);
	for (unsigned i = 0; i < config.ioapic_count; i++)
		entries[i] = config.ioapics[i].enabled ?
				     ioapic_probe_entries(config.ioapics[i].address) :
				     0;
	unsigned logical = logical_per_package();
	int rc = mptable_to_platform(&floating, &config, entries, logical, out);
	unsigned listed = 0;
	for (unsigned i = 0; i < config.cpu_count; i++)
		listed += config.cpus[i].enabled;
	if (out->cpu_count > listed)
		log_info("mptable: CPUID: %u logical cpus a package, the table lists the first of "
			 "each: %u cpus in all",
			 logical, out->cpu_count);
	return rc;
}

void mptable_imcr_to_apic(const struct platform *p)
{
	if (!p->has_imcr)
		return;
	outb(IMCR_SELECT, IMCR_REGISTER);
	outb(IMCR_DATA, IMCR_APIC);
	log_info("mptable: IMCR switched from PIC mode to the APIC");
}
