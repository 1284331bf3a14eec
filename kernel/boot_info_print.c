/*
 * The boot summary (see multiboot2.h). The end-to-end tests parse these
 * lines, so their shape is part of the interface: change both together.
 */
#include <stdint.h>

#include "log.h"
#include "multiboot2.h"

static const char *mmap_type_name(uint32_t type)
{
	switch (type) {
	case 1:
		return "available";
	case 3:
		return "acpi-reclaimable";
	case 4:
		return "acpi-nvs";
	case 5:
		return "bad";
	default:
		return "reserved"; /* 2, and anything unknown */
	}
}

void boot_info_print(const struct boot_info *info)
{
	unsigned usable_regions = 0;

	for (uint32_t i = 0; i < info->mmap_count; i++)
		if (info->mmap[i].type == MB2_MMAP_AVAILABLE)
			usable_regions++;

	log_info("boot: loader '%s'", info->loader);
	log_info("boot: command line '%s'", info->cmdline);
	log_info("boot: memory %llu KiB usable in %u regions (lower %u KiB, upper %u KiB)",
		 (unsigned long long)(info->usable_bytes / 1024), usable_regions,
		 info->mem_lower_kib, info->mem_upper_kib);
	/* The map itself at debug level (loglevel=debug): a boot log line
	 * costs a character time per byte on a real serial line (about 5 ms
	 * at 115200 baud) and its share of knock's boot in QEMU. */
	for (uint32_t i = 0; i < info->mmap_count; i++) {
		const struct boot_mmap_entry *e = &info->mmap[i];
		log_debug("boot:   [0x%016llx-0x%016llx) %s", (unsigned long long)e->base,
			  (unsigned long long)(e->base + e->length), mmap_type_name(e->type));
	}

	/* The ACPI and framebuffer tags at debug level too: the lines that
	 * use them say the same at info level ("acpi: RSDP ... from the
	 * multiboot2 ACPI 2.0 tag (at ...)", "screen: ..." or its warning
	 * with the tag), and each line is about 0.3 ms of knock's boot in
	 * QEMU (docs/boot.md, "Where knock's own boot time goes"). */
	if (info->has_rsdp_v2)
		log_debug("boot: ACPI RSDP v2 copy at 0x%llx",
			  (unsigned long long)info->rsdp_v2_addr);
	if (info->has_rsdp_v1)
		log_debug("boot: ACPI RSDP v1 copy at 0x%llx",
			  (unsigned long long)info->rsdp_v1_addr);
	if (!info->has_rsdp_v1 && !info->has_rsdp_v2)
		log_debug("boot: no ACPI RSDP tag (will scan BIOS areas)");

	for (uint32_t i = 0; i < info->module_count; i++)
		log_info("boot: module '%s' [0x%x-0x%x) %u bytes", info->modules[i].name,
			 info->modules[i].start, info->modules[i].end,
			 info->modules[i].end - info->modules[i].start);

	if (info->has_framebuffer)
		log_debug("boot: framebuffer 0x%llx %ux%u %u bpp type %u",
			  (unsigned long long)info->fb_addr, info->fb_width, info->fb_height,
			  (unsigned)info->fb_bpp, (unsigned)info->fb_type);
	else
		log_debug("boot: no framebuffer tag");
}
