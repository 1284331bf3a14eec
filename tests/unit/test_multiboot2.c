/*
 * kernel/multiboot2.c: a GRUB-like information block parses into the
 * right fields without a warning, and each kind of damage costs exactly
 * the expected warnings, never a crash.
 *
 * Every blob is handed to the parser in a malloc'd block of exactly
 * `avail` bytes, so ASan reports any read past the end; some are placed
 * at an odd address, so UBSan reports any misaligned field access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "fake_log.h"
#include "kernel/multiboot2.h"

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	return 0;
}

/* ---- building information blocks ---------------------------------------- */

struct blob {
	uint8_t b[16384];
	size_t len;
};

static void put32(struct blob *bl, size_t at, uint32_t v)
{
	memcpy(bl->b + at, &v, 4);
}

static void blob_start(struct blob *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->len = 8; /* total_size and reserved, filled in by blob_finish */
}

/*
 * A tag whose header claims `size` (normally 8 + len). Returns the offset
 * of its payload. The next tag starts 8-aligned after the real bytes.
 */
static size_t blob_tag_sized(struct blob *bl, uint32_t type, uint32_t size, const void *payload,
			     size_t len)
{
	size_t at = bl->len;
	put32(bl, at, type);
	put32(bl, at + 4, size);
	if (len)
		memcpy(bl->b + at + 8, payload, len);
	bl->len = (at + 8 + len + 7) & ~(size_t)7;
	return at + 8;
}

static size_t blob_tag(struct blob *bl, uint32_t type, const void *payload, size_t len)
{
	return blob_tag_sized(bl, type, (uint32_t)(8 + len), payload, len);
}

static size_t blob_string(struct blob *bl, uint32_t type, const char *s)
{
	return blob_tag(bl, type, s, strlen(s) + 1);
}

static void blob_meminfo(struct blob *bl, uint32_t lower, uint32_t upper)
{
	uint8_t p[8];
	memcpy(p, &lower, 4);
	memcpy(p + 4, &upper, 4);
	blob_tag(bl, MB2_TAG_BASIC_MEMINFO, p, sizeof(p));
}

struct region {
	uint64_t base, length;
	uint32_t type;
};

/* A memory map tag with `count` entries of `entry_size` bytes each. */
static void blob_mmap(struct blob *bl, uint32_t entry_size, const struct region *r, size_t count)
{
	uint8_t p[8192];
	size_t len = 8 + count * entry_size;

	assert_true(len <= sizeof(p));
	memset(p, 0, len);
	memcpy(p, &entry_size, 4);
	for (size_t i = 0; i < count && entry_size >= 20; i++) {
		memcpy(p + 8 + i * entry_size, &r[i].base, 8);
		memcpy(p + 8 + i * entry_size + 8, &r[i].length, 8);
		memcpy(p + 8 + i * entry_size + 16, &r[i].type, 4);
	}
	blob_tag(bl, MB2_TAG_MMAP, p, len);
}

static void blob_framebuffer(struct blob *bl, uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h,
			     uint8_t bpp, uint8_t type)
{
	uint8_t p[24] = { 0 }; /* + reserved; EGA text has no colour info */
	memcpy(p, &addr, 8);
	memcpy(p + 8, &pitch, 4);
	memcpy(p + 12, &w, 4);
	memcpy(p + 16, &h, 4);
	p[20] = bpp;
	p[21] = type;
	blob_tag(bl, MB2_TAG_FRAMEBUFFER, p, sizeof(p));
}

static void blob_end(struct blob *bl)
{
	blob_tag(bl, MB2_TAG_END, NULL, 0);
}

/* Sets total_size to the bytes written so far. */
static void blob_finish(struct blob *bl)
{
	put32(bl, 0, (uint32_t)bl->len);
}

/*
 * Parse the first `avail` bytes of the blob from an exact-size heap copy,
 * `misalign` bytes into the allocation (so the blob may sit at an odd
 * address), as if it lived at address mbi_addr.
 */
static int parse_at(const struct blob *bl, size_t avail, size_t misalign, uintptr_t mbi_addr,
		    struct boot_info *out)
{
	/* glibc and ASan return a real pointer for malloc(0). */
	uint8_t *mem = malloc(misalign + avail);
	uint8_t *mbi = mem + misalign;

	assert_non_null(mem);
	assert_true(avail <= sizeof(bl->b));
	memcpy(mbi, bl->b, avail);
	int r = mb2_parse(mbi, avail, mbi_addr, out);
	free(mem);
	return r;
}

static int parse(const struct blob *bl, struct boot_info *out)
{
	return parse_at(bl, bl->len, 0, 0x10000, out);
}

/* ---- a GRUB-like block: QEMU -m 128, GRUB 2 in EGA text mode ----------- */

static const struct region qemu_map[] = {
	{ 0x0, 0x9fc00, 1 },        { 0x9fc00, 0x400, 2 },     { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 }, { 0xfffc0000, 0x40000, 2 },
	{ 0xfd000000, 0x1000, 3 },  { 0xfe000000, 0x1000, 4 }, { 0xfe800000, 0x1000, 5 },
};
#define QEMU_MAP_COUNT (sizeof(qemu_map) / sizeof(qemu_map[0]))
#define QEMU_USABLE (0x9fc00ull + 0x7ee0000ull)

static uint8_t rsdp_v1[20];
static uint8_t rsdp_v2[36];

struct grub_offsets {
	size_t rsdp_v1, rsdp_v2;
};

static struct grub_offsets build_grub_like(struct blob *bl)
{
	struct grub_offsets off;
	uint8_t load_base[4] = { 0, 0, 0x10, 0 };

	memcpy(rsdp_v1,
	       "RSD PTR \x42"
	       "BOCHS \x00\x00\x00\xe0\x07",
	       20);
	memcpy(rsdp_v2,
	       "RSD PTR \x43"
	       "BOCHS \x02\x00\x00\xe0\x07",
	       20);
	for (int i = 20; i < 36; i++)
		rsdp_v2[i] = (uint8_t)(0x80 + i);

	blob_start(bl);
	blob_string(bl, MB2_TAG_CMDLINE, "fault=pf smp=2");
	blob_string(bl, MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	blob_tag(bl, 21, load_base, sizeof(load_base)); /* unknown to us: skipped */
	blob_meminfo(bl, 639, 129920);
	blob_mmap(bl, 24, qemu_map, QEMU_MAP_COUNT);
	blob_framebuffer(bl, 0xb8000, 160, 80, 25, 16, 2);
	off.rsdp_v1 = blob_tag(bl, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	off.rsdp_v2 = blob_tag(bl, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	blob_end(bl);
	blob_finish(bl);
	return off;
}

static void test_grub_like_block(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	struct grub_offsets off = build_grub_like(&bl);

	assert_int_equal(parse_at(&bl, bl.len, 0, 0x10000, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_string_equal(fake_log, "");

	assert_string_equal(info.cmdline, "fault=pf smp=2");
	assert_string_equal(info.loader, "GRUB 2.06-13+deb12u1");
	assert_true(info.has_meminfo);
	assert_int_equal(info.mem_lower_kib, 639);
	assert_int_equal(info.mem_upper_kib, 129920);

	assert_int_equal(info.mmap_count, QEMU_MAP_COUNT);
	assert_false(info.mmap_truncated);
	for (size_t i = 0; i < QEMU_MAP_COUNT; i++) {
		assert_int_equal(info.mmap[i].base, qemu_map[i].base);
		assert_int_equal(info.mmap[i].length, qemu_map[i].length);
		assert_int_equal(info.mmap[i].type, qemu_map[i].type);
	}
	assert_int_equal(info.usable_bytes, QEMU_USABLE);

	assert_true(info.has_rsdp_v1);
	assert_memory_equal(info.rsdp_v1, rsdp_v1, 20);
	assert_int_equal(info.rsdp_v1_addr, 0x10000 + off.rsdp_v1);
	assert_true(info.has_rsdp_v2);
	assert_memory_equal(info.rsdp_v2, rsdp_v2, 36);
	assert_int_equal(info.rsdp_v2_addr, 0x10000 + off.rsdp_v2);

	assert_true(info.has_framebuffer);
	assert_int_equal(info.fb_addr, 0xb8000);
	assert_int_equal(info.fb_pitch, 160);
	assert_int_equal(info.fb_width, 80);
	assert_int_equal(info.fb_height, 25);
	assert_int_equal(info.fb_bpp, 16);
	assert_int_equal(info.fb_type, 2);
}

/* Same block at an odd address: every field must be read with memcpy. */
static void test_misaligned_block(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info aligned, odd;

	build_grub_like(&bl);
	assert_int_equal(parse_at(&bl, bl.len, 0, 0x10000, &aligned), 0);
	for (size_t mis = 1; mis < 8; mis++) {
		assert_int_equal(parse_at(&bl, bl.len, mis, 0x10000, &odd), 0);
		assert_memory_equal(&odd, &aligned, sizeof(odd));
	}
}

static void test_summary_lines(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	char want[2048];

	struct grub_offsets off = build_grub_like(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	/* The map's lines are debug level: not at the default. */
	boot_info_print(&info);
	assert_int_equal(fake_log_count("boot:   ["), 0);
	fake_log_clear();
	log_set_level(LOG_DEBUG);
	boot_info_print(&info);
	snprintf(want, sizeof(want),
		 "boot: loader 'GRUB 2.06-13+deb12u1'\n"
		 "boot: command line 'fault=pf smp=2'\n"
		 "boot: memory 130559 KiB usable in 2 regions (lower 639 KiB, upper 129920 KiB)\n"
		 "debug: boot:   [0x0000000000000000-0x000000000009fc00) available\n"
		 "debug: boot:   [0x000000000009fc00-0x00000000000a0000) reserved\n"
		 "debug: boot:   [0x00000000000f0000-0x0000000000100000) reserved\n"
		 "debug: boot:   [0x0000000000100000-0x0000000007fe0000) available\n"
		 "debug: boot:   [0x0000000007fe0000-0x0000000008000000) reserved\n"
		 "debug: boot:   [0x00000000fffc0000-0x0000000100000000) reserved\n"
		 "debug: boot:   [0x00000000fd000000-0x00000000fd001000) acpi-reclaimable\n"
		 "debug: boot:   [0x00000000fe000000-0x00000000fe001000) acpi-nvs\n"
		 "debug: boot:   [0x00000000fe800000-0x00000000fe801000) bad\n"
		 "debug: boot: ACPI RSDP v2 copy at 0x%zx\n"
		 "debug: boot: ACPI RSDP v1 copy at 0x%zx\n"
		 "debug: boot: framebuffer 0xb8000 80x25 16 bpp type 2\n",
		 0x10000 + off.rsdp_v2, 0x10000 + off.rsdp_v1);
	assert_string_equal(fake_log, want);
}

static void test_summary_without_optional_tags(void **state)
{
	(void)state;
	struct boot_info info;

	memset(&info, 0, sizeof(info));
	boot_info_print(&info);
	assert_string_equal(fake_log,
			    "boot: loader ''\n"
			    "boot: command line ''\n"
			    "boot: memory 0 KiB usable in 0 regions (lower 0 KiB, upper 0 KiB)\n");
	fake_log_clear();
	log_set_level(LOG_DEBUG);
	boot_info_print(&info);
	fake_log_expect("debug: boot: no ACPI RSDP tag (will scan BIOS areas)\n"
			"debug: boot: no framebuffer tag\n");
}

/* ---- unusable blocks: -1, defaults, one warning ------------------------ */

static void expect_rejected(const struct blob *bl, size_t avail)
{
	struct boot_info info;

	memset(&info, 0xa5, sizeof(info)); /* must be cleared even on failure */
	fake_log_clear();
	assert_int_equal(parse_at(bl, avail, 0, 0x10000, &info), -1);
	assert_int_equal(info.warnings, 1);
	assert_int_equal(info.mmap_count, 0);
	assert_string_equal(info.cmdline, "");
	assert_false(info.has_rsdp_v1);
	fake_log_expect("warning: multiboot2:");
}

static void test_rejected_blocks(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	build_grub_like(&bl);
	expect_rejected(&bl, 0);
	expect_rejected(&bl, 7);
	expect_rejected(&bl, bl.len - 1); /* total_size > avail */

	put32(&bl, 0, 15); /* too small to hold even an end tag */
	expect_rejected(&bl, bl.len);
	put32(&bl, 0, 0);
	expect_rejected(&bl, bl.len);

	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(mb2_parse(NULL, 4096, 0, &info), -1);
	assert_int_equal(info.warnings, 1);
}

/* The smallest valid block: just an end tag. No map, so one warning. */
static void test_minimal_block(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(bl.len, 16);
	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 1);
	fake_log_expect("warning: multiboot2: no memory map\n");
	assert_false(info.has_meminfo);
	assert_false(info.has_framebuffer);
}

/* Module tags repeat, one per module; only where each lies is kept, for
 * the page allocator to leave alone. A backwards one and one over the
 * limit are warned about. */
static void test_modules(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	uint8_t mod[16] = { 0 };

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, sizeof(qemu_map) / sizeof(qemu_map[0]));
	for (unsigned i = 0; i < BOOT_MODULES_MAX + 2; i++) {
		uint32_t start = 0x300000 + i * 0x10000, end = start + 0x1234;
		if (i == 1)
			end = start - 1; /* backwards */
		memcpy(mod, &start, 4);
		memcpy(mod + 4, &end, 4);
		memcpy(mod + 8, "mod", 4);
		blob_tag(&bl, MB2_TAG_MODULE, mod, 12);
	}
	blob_tag(&bl, MB2_TAG_MODULE, mod, 4); /* too short */
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.module_count, BOOT_MODULES_MAX);
	assert_true(info.modules_truncated);
	assert_int_equal(info.modules[0].start, 0x300000);
	assert_int_equal(info.modules[0].end, 0x301234);
	assert_int_equal(info.modules[1].start, 0x320000); /* the backwards one skipped */
	fake_log_expect("warning: multiboot2: module [0x310000-0x30ffff) ends before it starts, "
			"skipped\n");
	fake_log_expect("warning: multiboot2: more than 32 modules, the rest ignored (and not kept "
			"out of the page allocator)\n");
	fake_log_expect("warning: multiboot2: module tag too short (4 bytes)\n");
	assert_int_equal(info.warnings, 3);
}

/* An RGB framebuffer as GRUB passes UEFI's GOP: the colour layout follows
 * the common fields and two reserved bytes. A tag cut before it still
 * describes a framebuffer, but not how to draw on it. */
static void test_rgb_framebuffer_colour_layout(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	uint64_t addr = 0x80000000;
	uint32_t pitch = 3200, w = 800, h = 600;
	uint8_t p[30] = { 0 };
	memcpy(p, &addr, 8);
	memcpy(p + 8, &pitch, 4);
	memcpy(p + 12, &w, 4);
	memcpy(p + 16, &h, 4);
	p[20] = 32;
	p[21] = MB2_FB_TYPE_RGB;
	memcpy(p + 24, ((uint8_t[]){ 16, 8, 8, 8, 0, 8 }), 6);

	blob_start(&bl);
	blob_tag(&bl, MB2_TAG_FRAMEBUFFER, p, sizeof(p));
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_true(info.has_framebuffer);
	assert_true(info.fb_has_rgb);
	assert_int_equal(info.fb_addr, addr);
	assert_int_equal(info.fb_pitch, pitch);
	assert_int_equal(info.fb_bpp, 32);
	assert_int_equal(info.fb_red_pos, 16);
	assert_int_equal(info.fb_red_size, 8);
	assert_int_equal(info.fb_green_pos, 8);
	assert_int_equal(info.fb_green_size, 8);
	assert_int_equal(info.fb_blue_pos, 0);
	assert_int_equal(info.fb_blue_size, 8);

	fake_log_clear();
	blob_start(&bl);
	blob_tag(&bl, MB2_TAG_FRAMEBUFFER, p, 24);
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_true(info.has_framebuffer);
	assert_false(info.fb_has_rgb);
	fake_log_expect(
		"warning: multiboot2: RGB framebuffer tag without its colour layout (24 bytes)\n");
}

/* ---- damaged tags ------------------------------------------------------- */

static void test_tag_smaller_than_header(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_string(&bl, MB2_TAG_CMDLINE, "kept");
	blob_tag_sized(&bl, MB2_TAG_LOADER_NAME, 4, NULL, 0);
	blob_mmap(&bl, 24, qemu_map, 2); /* not reached: the walk stops */
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_string_equal(info.cmdline, "kept");
	assert_int_equal(info.mmap_count, 0);
	assert_int_equal(info.warnings, 2); /* the bad tag, then no memory map */
	fake_log_expect("tag 2 at offset 24 is too small (size 4)");
	fake_log_expect("no memory map");
}

static void test_tag_overrunning_total_size(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, 3);
	blob_tag_sized(&bl, MB2_TAG_CMDLINE, 4000, "abc", 4);
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.mmap_count, 3); /* what came before is kept */
	assert_string_equal(info.cmdline, "");
	assert_int_equal(info.warnings, 1);
	fake_log_expect(
		"warning: multiboot2: tag 1 at offset 96 overruns the information (size 4000)");

	/* Just one byte too long is caught too (size vs total_size). */
	blob_start(&bl);
	blob_string(&bl, MB2_TAG_CMDLINE, "1234567"); /* 16 bytes, no padding */
	blob_finish(&bl);
	put32(&bl, 12, 17);
	assert_int_equal(parse(&bl, &info), 0);
	fake_log_expect("overruns");
	assert_int_equal(info.warnings, 2); /* and no memory map */

	/* A size near 2^32 must not wrap around any bounds check. */
	blob_start(&bl);
	blob_tag_sized(&bl, MB2_TAG_MMAP, 0xfffffff8u, NULL, 0);
	blob_end(&bl);
	blob_finish(&bl);
	fake_log_clear();
	assert_int_equal(parse(&bl, &info), 0);
	fake_log_expect("overruns");
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, 4);
	blob_string(&bl, MB2_TAG_LOADER_NAME, "x");
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.mmap_count, 4);
	assert_string_equal(info.loader, "x");
	assert_int_equal(info.warnings, 1);
	fake_log_expect("warning: multiboot2: no end tag\n");

	/* A few stray bytes where the end tag should be: still no end tag. */
	bl.len += 4;
	blob_finish(&bl);
	fake_log_clear();
	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 1);
	fake_log_expect("no end tag");
}

static void test_bad_mmap_entry_sizes(void **state)
{
	(void)state;
	static const uint32_t bad_sizes[] = { 0, 8, 20, 28 };
	struct blob bl;
	struct boot_info info;

	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		blob_start(&bl);
		blob_mmap(&bl, bad_sizes[i], qemu_map, 2);
		blob_end(&bl);
		blob_finish(&bl);
		fake_log_clear();
		assert_int_equal(parse(&bl, &info), 0);
		assert_int_equal(info.mmap_count, 0);
		assert_int_equal(info.usable_bytes, 0);
		assert_int_equal(info.warnings, 2); /* the size, then no memory map */
		fake_log_expect("entry size");
		fake_log_expect("no memory map");
	}

	/* A larger entry size (a newer loader) is fine: entries are strided. */
	blob_start(&bl);
	blob_mmap(&bl, 32, qemu_map, QEMU_MAP_COUNT);
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.mmap_count, QEMU_MAP_COUNT);
	assert_int_equal(info.mmap[3].base, 0x100000);
	assert_int_equal(info.usable_bytes, QEMU_USABLE);

	/* A tag too short for even entry_size and entry_version. */
	uint8_t four[4] = { 24, 0, 0, 0 };
	blob_start(&bl);
	blob_tag(&bl, MB2_TAG_MMAP, four, sizeof(four));
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 2);
}

static void test_too_many_mmap_entries(void **state)
{
	(void)state;
	struct region many[BOOT_MMAP_MAX + 8];
	struct blob bl;
	struct boot_info info;
	uint64_t usable_kept = 0;

	for (size_t i = 0; i < BOOT_MMAP_MAX + 8; i++) {
		many[i].base = i * 0x100000;
		many[i].length = 0x1000 * (i + 1);
		many[i].type = i % 3 == 0 ? 1 : 2;
		if (i < BOOT_MMAP_MAX && many[i].type == 1)
			usable_kept += many[i].length;
	}
	blob_start(&bl);
	blob_mmap(&bl, 24, many, BOOT_MMAP_MAX + 8);
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.mmap_count, BOOT_MMAP_MAX);
	assert_true(info.mmap_truncated);
	assert_int_equal(info.mmap[BOOT_MMAP_MAX - 1].base, (BOOT_MMAP_MAX - 1) * 0x100000ull);
	assert_int_equal(info.usable_bytes, usable_kept);
	assert_int_equal(info.warnings, 1);
	fake_log_expect("more than 32 regions");

	/* Exactly BOOT_MMAP_MAX is not truncated. */
	blob_start(&bl);
	blob_mmap(&bl, 24, many, BOOT_MMAP_MAX);
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_false(info.mmap_truncated);
	assert_int_equal(info.warnings, 0);
}

static void test_short_tags(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	uint8_t bytes[40] = { 0 };

	blob_start(&bl);
	blob_tag(&bl, MB2_TAG_ACPI_OLD, bytes, 19);
	blob_tag(&bl, MB2_TAG_ACPI_NEW, bytes, 35);
	blob_tag(&bl, MB2_TAG_BASIC_MEMINFO, bytes, 7);
	blob_tag(&bl, MB2_TAG_FRAMEBUFFER, bytes, 21);
	blob_mmap(&bl, 24, qemu_map, 1);
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_false(info.has_rsdp_v1);
	assert_false(info.has_rsdp_v2);
	assert_false(info.has_meminfo);
	assert_false(info.has_framebuffer);
	assert_int_equal(info.warnings, 4);
	fake_log_expect("ACPI old RSDP tag too short (19 bytes)");
	fake_log_expect("ACPI new RSDP tag too short (35 bytes)");
	fake_log_expect("basic memory tag too short");
	fake_log_expect("framebuffer tag too short");
}

/* The unterminated string is the block's last byte: ASan sees any overread. */
static void test_unterminated_cmdline(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, 1);
	blob_tag(&bl, MB2_TAG_CMDLINE, "abcdefgh", 8);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_string_equal(info.cmdline, "abcdefgh");
	assert_int_equal(info.warnings, 2); /* not terminated, no end tag */
	fake_log_expect("command line is not NUL-terminated");
}

static void test_long_strings_are_cut(void **state)
{
	(void)state;
	char long_cmdline[BOOT_CMDLINE_MAX + 50];
	char long_loader[BOOT_LOADER_MAX + 1];
	struct blob bl;
	struct boot_info info;

	memset(long_cmdline, 'c', sizeof(long_cmdline) - 1);
	long_cmdline[sizeof(long_cmdline) - 1] = '\0';
	memset(long_loader, 'l', sizeof(long_loader) - 1);
	long_loader[sizeof(long_loader) - 1] = '\0';

	blob_start(&bl);
	blob_string(&bl, MB2_TAG_CMDLINE, long_cmdline);
	blob_string(&bl, MB2_TAG_LOADER_NAME, long_loader);
	blob_mmap(&bl, 24, qemu_map, 1);
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(info.loader), BOOT_LOADER_MAX - 1);
	assert_int_equal(info.warnings, 2);
	fake_log_expect("command line cut to 255 bytes");
	fake_log_expect("loader name cut to 63 bytes");

	/* One less fits exactly. */
	long_loader[BOOT_LOADER_MAX - 1] = '\0';
	blob_start(&bl);
	blob_string(&bl, MB2_TAG_LOADER_NAME, long_loader);
	blob_mmap(&bl, 24, qemu_map, 1);
	blob_end(&bl);
	blob_finish(&bl);
	assert_int_equal(parse(&bl, &info), 0);
	assert_string_equal(info.loader, long_loader);
	assert_int_equal(info.warnings, 0);
}

/* ---- modules (module2 lines: the processes' ELF images) ----------------- */

static void blob_module(struct blob *bl, uint32_t start, uint32_t end, const char *name)
{
	uint8_t p[128];
	size_t n = strlen(name) + 1;

	assert_true(8 + n <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, name, n);
	blob_tag(bl, MB2_TAG_MODULE, p, 8 + n);
}

static void test_modules_in_order(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, QEMU_MAP_COUNT);
	blob_module(&bl, 0x200000, 0x201234, "hello");
	blob_module(&bl, 0x202000, 0x202000, "empty"); /* an empty file is a module too */
	blob_module(&bl, 0x203000, 0x204000, "echo --verbose");
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.module_count, 3);
	assert_false(info.modules_truncated);
	assert_int_equal(info.modules[0].start, 0x200000);
	assert_int_equal(info.modules[0].end, 0x201234);
	assert_string_equal(info.modules[0].name, "hello");
	assert_int_equal(info.modules[1].end - info.modules[1].start, 0);
	assert_string_equal(info.modules[2].name, "echo --verbose");
	boot_info_print(&info);
	fake_log_expect("boot: module 'hello' [0x200000-0x201234) 4660 bytes");
}

static void test_damaged_modules(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;
	char long_name[BOOT_MODULE_NAME_MAX + 10];

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, QEMU_MAP_COUNT);
	blob_tag(&bl, MB2_TAG_MODULE, "\0\0\x20\0", 4);                 /* too short: skipped */
	blob_module(&bl, 0x300000, 0x2fffff, "backwards");              /* skipped */
	blob_module(&bl, 0x300000, 0x300100, long_name);                /* cut */
	blob_tag(&bl, MB2_TAG_MODULE, "\0\0\x31\0\0\x10\x31\0abc", 11); /* unterminated */
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.warnings, 4);
	fake_log_expect("module tag too short (4 bytes)");
	fake_log_expect("module [0x300000-0x2fffff) ends before it starts, skipped");
	fake_log_expect("module name cut to 31 bytes");
	fake_log_expect("module name is not NUL-terminated");
	assert_int_equal(info.module_count, 2);
	assert_int_equal(strlen(info.modules[0].name), BOOT_MODULE_NAME_MAX - 1);
	assert_string_equal(info.modules[1].name, "abc");
	assert_int_equal(info.modules[1].start, 0x310000);
	assert_int_equal(info.modules[1].end, 0x311000);
}

static void test_too_many_modules(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_mmap(&bl, 24, qemu_map, QEMU_MAP_COUNT);
	for (uint32_t i = 0; i < BOOT_MODULES_MAX + 3; i++)
		blob_module(&bl, 0x400000 + i * 0x1000, 0x400800 + i * 0x1000, "m");
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_int_equal(info.module_count, BOOT_MODULES_MAX);
	assert_true(info.modules_truncated);
	assert_int_equal(info.warnings, 1); /* once, not once per module */
	fake_log_expect("more than 32 modules, the rest ignored");
	assert_int_equal(info.modules[BOOT_MODULES_MAX - 1].start,
			 0x400000 + (BOOT_MODULES_MAX - 1) * 0x1000);
}

static void test_duplicate_tags_last_wins(void **state)
{
	(void)state;
	struct blob bl;
	struct boot_info info;

	blob_start(&bl);
	blob_string(&bl, MB2_TAG_CMDLINE, "first");
	blob_mmap(&bl, 24, qemu_map, QEMU_MAP_COUNT);
	blob_string(&bl, MB2_TAG_CMDLINE, "second");
	blob_mmap(&bl, 24, qemu_map + 3, 2);
	blob_end(&bl);
	blob_finish(&bl);

	assert_int_equal(parse(&bl, &info), 0);
	assert_string_equal(info.cmdline, "second");
	assert_int_equal(info.mmap_count, 2); /* replaced, not appended */
	assert_int_equal(info.mmap[0].base, qemu_map[3].base);
	assert_int_equal(info.usable_bytes, qemu_map[3].length);
	assert_int_equal(info.warnings, 2);
	fake_log_expect("duplicate tag 1");
	fake_log_expect("duplicate tag 6");
}

/* ---- robustness sweeps --------------------------------------------------- */

/* Every prefix of a good block, claimed as its own total: never a crash. */
static void test_every_truncation(void **state)
{
	(void)state;
	struct blob bl, cut;
	struct boot_info info;

	build_grub_like(&bl);
	for (size_t len = 0; len <= bl.len; len++) {
		cut = bl;
		if (len >= 4)
			put32(&cut, 0, (uint32_t)len);
		int r = parse_at(&cut, len, len % 8, 0x10000, &info);
		assert_int_equal(r, len < 16 ? -1 : 0);
		assert_true(info.warnings >= 1 || len == bl.len);
	}
}

/* Deterministic random damage to a good block: never a crash. */
static void test_random_damage(void **state)
{
	(void)state;
	struct blob bl, bad;
	struct boot_info info;
	uint32_t rng = 12345;

	build_grub_like(&bl);
	for (int round = 0; round < 20000; round++) {
		bad = bl;
		int flips = 1 + round % 4;
		for (int i = 0; i < flips; i++) {
			rng = rng * 1103515245u + 12345u;
			size_t at = (rng >> 8) % bl.len;
			rng = rng * 1103515245u + 12345u;
			bad.b[at] = (uint8_t)(rng >> 16);
		}
		size_t avail = bl.len - (size_t)(round % 3) * 8;
		parse_at(&bad, avail, round % 5, 0x10000, &info);
		assert_true(info.mmap_count <= BOOT_MMAP_MAX);
		assert_true(strlen(info.cmdline) < BOOT_CMDLINE_MAX);
		assert_true(strlen(info.loader) < BOOT_LOADER_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_grub_like_block, setup),
		cmocka_unit_test_setup(test_misaligned_block, setup),
		cmocka_unit_test_setup(test_summary_lines, setup),
		cmocka_unit_test_setup(test_summary_without_optional_tags, setup),
		cmocka_unit_test_setup(test_rejected_blocks, setup),
		cmocka_unit_test_setup(test_minimal_block, setup),
		cmocka_unit_test_setup(test_modules, setup),
		cmocka_unit_test_setup(test_rgb_framebuffer_colour_layout, setup),
		cmocka_unit_test_setup(test_tag_smaller_than_header, setup),
		cmocka_unit_test_setup(test_tag_overrunning_total_size, setup),
		cmocka_unit_test_setup(test_missing_end_tag, setup),
		cmocka_unit_test_setup(test_bad_mmap_entry_sizes, setup),
		cmocka_unit_test_setup(test_too_many_mmap_entries, setup),
		cmocka_unit_test_setup(test_short_tags, setup),
		cmocka_unit_test_setup(test_unterminated_cmdline, setup),
		cmocka_unit_test_setup(test_long_strings_are_cut, setup),
		cmocka_unit_test_setup(test_duplicate_tags_last_wins, setup),
		cmocka_unit_test_setup(test_modules_in_order, setup),
		cmocka_unit_test_setup(test_damaged_modules, setup),
		cmocka_unit_test_setup(test_too_many_modules, setup),
		cmocka_unit_test_setup(test_every_truncation, setup),
		cmocka_unit_test_setup(test_random_damage, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
