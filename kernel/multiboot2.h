/*
 * Multiboot2 boot information, parsed into a plain struct.
 *
 * The parser is a pure function over bytes so it is unit-tested on the
 * host with well-formed and malformed blobs: it never reads past the bytes
 * it is given, and every malformed or missing tag costs a logged warning,
 * never a crash.
 */
#ifndef KNOCK_KERNEL_MULTIBOOT2_H
#define KNOCK_KERNEL_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_MMAP_AVAILABLE 1
#define MB2_FB_TYPE_RGB 1
#define MB2_FB_TYPE_EGA_TEXT 2

#define BOOT_MMAP_MAX 32
#define BOOT_CMDLINE_MAX 256
#define BOOT_LOADER_MAX 64
#define BOOT_MODULES_MAX 32 /* the test image carries every app (make testapps-iso) */
#define BOOT_MODULE_NAME_MAX 32

struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* 1 available, 3 ACPI reclaimable, 4 NVS, 5 bad, else reserved */
};

/* A file GRUB loaded beside the kernel (a `module2` line): a process's
 * ELF image. [start, end) is physical memory, identity-mapped. */
struct boot_module {
	uint32_t start, end;
	char name[BOOT_MODULE_NAME_MAX]; /* the words after the file on the module2 line */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[BOOT_LOADER_MAX];

	bool has_meminfo;
	uint32_t mem_lower_kib;
	uint32_t mem_upper_kib;

	uint32_t mmap_count;
	bool mmap_truncated;
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
	uint64_t usable_bytes; /* sum of available regions */
	/* RSDPs copied out of the tags; address is where the tag's copy was. */
	bool has_rsdp_v1;
	uint8_t rsdp_v1[20];
	uint64_t rsdp_v1_addr;
	bool has_rsdp_v2;
	uint8_t rsdp_v2[36];
	uint64_t rsdp_v2_addr;

	bool has_framebuffer;
	uint64_t fb_addr;
	uint32_t fb_pitch, fb_width, fb_height;
	uint8_t fb_bpp, fb_type; /* type 0 indexed, 1 RGB, 2 EGA text */
	/* Type 1 only: each colour is `size` bits at bit `pos` of a pixel. */
	bool fb_has_rgb;
	uint8_t fb_red_pos, fb_red_size, fb_green_pos, fb_green_size, fb_blue_pos, fb_blue_size;

	/* Modules the loader placed in memory (`module2` lines): the page
	 * allocator must not hand them out; processes load from them. */
	uint32_t module_count;
	bool modules_truncated; /* more than BOOT_MODULES_MAX: the rest ignored */
	struct boot_module modules[BOOT_MODULES_MAX];

	unsigned warnings; /* how many problems the parser logged */
};

/*
 * Parse the information at `mbi`, of which at most `avail` bytes may be
 * read. Returns 0 if the block was usable at all (possibly with warnings),
 * -1 if it was not (then `out` holds defaults and a warning was logged).
 */
int mb2_parse(const void *mbi, size_t avail, uintptr_t mbi_addr, struct boot_info *out);

/* Log the boot summary: loader, command line, memory, RSDPs, framebuffer. */
void boot_info_print(const struct boot_info *info);

#endif
