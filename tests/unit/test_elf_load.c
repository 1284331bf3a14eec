/*
 * kernel/elf_load.c: a well-formed static executable parses into its
 * segments and copies into process memory; each kind of malformed file
 * (truncated headers, segments past the end, overlapping segments,
 * segments outside the process's window such as the kernel's addresses,
 * absurd counts, wrapping sums) gets its own error and nothing else.
 *
 * Every file is handed to the loader in a malloc'd block of exactly its
 * length, so ASan reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/elf_load.h"

/* The process's window in these tests: where knock puts user memory. */
#define WIN_LO 0x8000000000ull
#define WIN_HI (WIN_LO + 0x100000ull)
#define TEXT (WIN_LO)
#define DATA (WIN_LO + 0x2000)

/* ---- building files ------------------------------------------------------ */

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

struct file {
	uint8_t b[8192];
	size_t len;
	unsigned phnum;
};

static void put16(struct file *f, size_t at, uint16_t v)
{
	memcpy(f->b + at, &v, 2);
}

static void put32(struct file *f, size_t at, uint32_t v)
{
	memcpy(f->b + at, &v, 4);
}

static void put64(struct file *f, size_t at, uint64_t v)
{
	memcpy(f->b + at, &v, 8);
}

/* An ELF header with program headers at 64, entry in the text segment. */
static void file_start(struct file *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b,
	       "\x7f"
	       "ELF",
	       4);
	f->b[4] = 2;      /* ELFCLASS64 */
	f->b[5] = 1;      /* little-endian */
	f->b[6] = 1;      /* EV_CURRENT */
	put16(f, 16, 2);  /* ET_EXEC */
	put16(f, 18, 62); /* EM_X86_64 */
	put32(f, 20, 1);
	put64(f, 24, TEXT + 0x10); /* entry */
	put64(f, 32, 64);          /* phoff */
	put16(f, 52, 64);          /* ehsize */
	put16(f, 54, 56);          /* phentsize */
	f->len = 64;
}

static void file_phdr(struct file *f, struct phdr p)
{
	size_t at = 64 + (size_t)f->phnum * 56;
	put32(f, at, p.type);
	put32(f, at + 4, p.flags);
	put64(f, at + 8, p.offset);
	put64(f, at + 16, p.vaddr);
	put64(f, at + 24, p.vaddr); /* paddr */
	put64(f, at + 32, p.filesz);
	put64(f, at + 40, p.memsz);
	put64(f, at + 48, ELF_PAGE);
	f->phnum++;
	put16(f, 56, (uint16_t)f->phnum);
	if (at + 56 > f->len)
		f->len = at + 56;
}

#define TEXT_OFF 0x400
#define DATA_OFF 0x800

static const struct phdr text_seg = { 1, ELF_PF_R | ELF_PF_X, TEXT_OFF, TEXT, 0x100, 0x100 };
static const struct phdr data_seg = { 1, ELF_PF_R | ELF_PF_W, DATA_OFF, DATA, 0x40, 0x1000 };

/* A good file: text (0x100 bytes of 0xc3) and data (0x40 bytes of 0xda,
 * then bss to 0x1000), the data's header first to show that order does
 * not matter, and a GNU_STACK header that is ignored. */
static void good_file(struct file *f)
{
	file_start(f);
	file_phdr(f, data_seg);
	file_phdr(f, text_seg);
	file_phdr(f, (struct phdr){ 0x6474e551, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0 });
	memset(f->b + TEXT_OFF, 0xc3, 0x100);
	memset(f->b + DATA_OFF, 0xda, 0x40);
	f->len = DATA_OFF + 0x40;
}

/* Parse a copy of exactly f->len bytes (or `len` of them). */
static enum elf_error parse_len(const struct file *f, size_t len, struct elf_image *img)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, f->b, len);
	enum elf_error e = elf_parse(copy, len, WIN_LO, WIN_HI, img);
	free(copy);
	return e;
}

static enum elf_error parse(const struct file *f)
{
	struct elf_image img;
	enum elf_error e = parse_len(f, f->len, &img);
	if (e != ELF_OK) {
		/* A failed parse leaves nothing behind that looks loadable. */
		assert_int_equal(img.nseg, 0);
		assert_int_equal(img.entry, 0);
	}
	return e;
}

/* ---- well-formed --------------------------------------------------------- */

static void test_good_file_parses_sorted(void **state)
{
	(void)state;
	struct file f;
	struct elf_image img;

	good_file(&f);
	assert_int_equal(parse_len(&f, f.len, &img), ELF_OK);
	assert_int_equal(img.entry, TEXT + 0x10);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.seg[0].vaddr, TEXT);
	assert_int_equal(img.seg[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(img.seg[0].filesz, 0x100);
	assert_int_equal(img.seg[1].vaddr, DATA);
	assert_int_equal(img.seg[1].offset, DATA_OFF);
	assert_int_equal(img.seg[1].memsz, 0x1000);
	assert_int_equal(img.lo, TEXT);
	assert_int_equal(img.hi, DATA + 0x1000);
}

static void test_copy_fills_segments_and_zeroes_bss(void **state)
{
	(void)state;
	struct file f;
	struct elf_image img;
	static uint8_t mem[0x4000];

	good_file(&f);
	assert_int_equal(parse_len(&f, f.len, &img), ELF_OK);
	memset(mem, 0x55, sizeof(mem));
	assert_int_equal(elf_copy(&img, f.b, f.len, mem, WIN_LO, sizeof(mem)), ELF_OK);
	assert_int_equal(mem[0], 0xc3);
	assert_int_equal(mem[0xff], 0xc3);
	assert_int_equal(mem[0x100], 0x55); /* between segments: untouched */
	assert_int_equal(mem[0x2000], 0xda);
	assert_int_equal(mem[0x203f], 0xda);
	assert_int_equal(mem[0x2040], 0); /* bss */
	assert_int_equal(mem[0x2fff], 0);
	assert_int_equal(mem[0x3000], 0x55); /* past the data: untouched */
}

static void test_copy_refuses_small_destination(void **state)
{
	(void)state;
	struct file f;
	struct elf_image img;
	static uint8_t mem[0x3000];

	good_file(&f);
	assert_int_equal(parse_len(&f, f.len, &img), ELF_OK);
	memset(mem, 0x55, sizeof(mem));
	/* One byte short of the bss's end. */
	assert_int_equal(elf_copy(&img, f.b, f.len, mem, WIN_LO, 0x2fff), ELF_E_DEST);
	/* Placed above the image's start. */
	assert_int_equal(elf_copy(&img, f.b, f.len, mem, WIN_LO + 1, sizeof(mem)), ELF_E_DEST);
	/* Nothing was written by either. */
	assert_int_equal(mem[0], 0x55);
	assert_int_equal(mem[0x2000], 0x55);
	/* A file shorter than the parsed segments claim. */
	assert_int_equal(elf_copy(&img, f.b, DATA_OFF + 0x3f, mem, WIN_LO, sizeof(mem)),
			 ELF_E_FILE_RANGE);
}

static void test_empty_segments_are_skipped(void **state)
{
	(void)state;
	struct file f;
	struct elf_image img;

	good_file(&f);
	/* An empty PT_LOAD in the middle of the text page: no overlap, no segment. */
	file_phdr(&f, (struct phdr){ 1, ELF_PF_R, 0, TEXT + 0x80, 0, 0 });
	assert_int_equal(parse_len(&f, f.len, &img), ELF_OK);
	assert_int_equal(img.nseg, 2);
}

/* ---- malformed ----------------------------------------------------------- */

static void test_truncated_header(void **state)
{
	(void)state;
	struct file f;
	struct elf_image img;

	good_file(&f);
	for (size_t len = 0; len < 64; len++)
		assert_int_equal(parse_len(&f, len, &img), ELF_E_TRUNCATED);
	/* The header is whole but the program headers are cut. */
	for (size_t len = 64; len < 64 + 3 * 56; len += 13)
		assert_int_equal(parse_len(&f, len, &img), ELF_E_PH_RANGE);
}

static void test_not_an_x86_64_executable(void **state)
{
	(void)state;
	struct file f;

	good_file(&f);
	f.b[1] = 'e';
	assert_int_equal(parse(&f), ELF_E_MAGIC);
	good_file(&f);
	f.b[4] = 1; /* 32-bit */
	assert_int_equal(parse(&f), ELF_E_CLASS);
	good_file(&f);
	f.b[5] = 2; /* big-endian */
	assert_int_equal(parse(&f), ELF_E_CLASS);
	good_file(&f);
	put32(&f, 20, 0); /* e_version */
	assert_int_equal(parse(&f), ELF_E_CLASS);
	good_file(&f);
	put16(&f, 16, 3); /* ET_DYN: a PIE or a shared object */
	assert_int_equal(parse(&f), ELF_E_TYPE);
	good_file(&f);
	put16(&f, 18, 3); /* EM_386 */
	assert_int_equal(parse(&f), ELF_E_TYPE);
}

static void test_absurd_program_header_counts(void **state)
{
	(void)state;
	struct file f;

	good_file(&f);
	put16(&f, 56, 0);
	assert_int_equal(parse(&f), ELF_E_PHNUM);
	good_file(&f);
	put16(&f, 56, 0xffff); /* PN_XNUM */
	assert_int_equal(parse(&f), ELF_E_PHNUM);
	good_file(&f);
	put16(&f, 56, ELF_PHNUM_MAX + 1);
	assert_int_equal(parse(&f), ELF_E_PHNUM);
	good_file(&f);
	put16(&f, 54, 32);
	assert_int_equal(parse(&f), ELF_E_PHENTSIZE);
	good_file(&f);
	put64(&f, 32, UINT64_MAX - 100); /* phoff + table wraps around */
	assert_int_equal(parse(&f), ELF_E_PH_RANGE);
	good_file(&f);
	put64(&f, 32, f.len - 56); /* the table's last header past the end */
	assert_int_equal(parse(&f), ELF_E_PH_RANGE);
}

static void test_too_many_or_no_segments(void **state)
{
	(void)state;
	struct file f;

	file_start(&f);
	for (unsigned i = 0; i <= ELF_SEGMENTS_MAX; i++)
		file_phdr(&f, (struct phdr){ 1, ELF_PF_R | (i == 0 ? ELF_PF_X : 0), 0,
					     TEXT + (uint64_t)i * ELF_PAGE, 0, 8 });
	assert_int_equal(parse(&f), ELF_E_SEGMENTS);

	file_start(&f);
	file_phdr(&f, (struct phdr){ 4, ELF_PF_R, 0, 0, 0, 0 }); /* PT_NOTE only */
	assert_int_equal(parse(&f), ELF_E_SEGMENTS);
}

static void test_dynamic_executables_refused(void **state)
{
	(void)state;
	struct file f;

	good_file(&f);
	file_phdr(&f, (struct phdr){ 3, ELF_PF_R, TEXT_OFF, TEXT, 0x10, 0x10 }); /* PT_INTERP */
	assert_int_equal(parse(&f), ELF_E_DYNAMIC);
	good_file(&f);
	file_phdr(&f, (struct phdr){ 2, ELF_PF_R, TEXT_OFF, TEXT, 0x10, 0x10 }); /* PT_DYNAMIC */
	assert_int_equal(parse(&f), ELF_E_DYNAMIC);
}

/* Replace the text segment's header (the second one) by `p`. */
static void with_text(struct file *f, struct phdr p)
{
	good_file(f);
	size_t len = f->len;
	f->phnum = 1;
	file_phdr(f, p);
	f->phnum = 3;
	put16(f, 56, 3);
	f->len = len;
}

static void test_segment_bytes_past_the_end(void **state)
{
	(void)state;
	struct file f;
	struct phdr p = text_seg;

	p.filesz = p.memsz + 1;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_FILESZ);

	p = text_seg;
	p.offset = DATA_OFF + 0x40 - 0xff; /* one byte past the end */
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_FILE_RANGE);

	p = text_seg;
	p.offset = UINT64_MAX - 0x10; /* offset + filesz wraps */
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_FILE_RANGE);
}

static void test_segment_outside_window(void **state)
{
	(void)state;
	struct file f;
	struct phdr p = text_seg;

	/* The kernel's own addresses (it runs at 1 MiB, identity-mapped). */
	p.vaddr = 0x100000;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_ADDR_RANGE);

	/* Just below the window, and ending one byte past it. */
	p.vaddr = WIN_LO - ELF_PAGE;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_ADDR_RANGE);
	p.vaddr = WIN_HI - 0xff;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_ADDR_RANGE);

	/* vaddr + memsz wraps around to inside the window. */
	p = text_seg;
	p.vaddr = UINT64_MAX - 0x10;
	p.memsz = WIN_LO + 0x20;
	p.filesz = 0;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_ADDR_RANGE);
	p.vaddr = TEXT;
	p.memsz = UINT64_MAX;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_ADDR_RANGE);

	/* Ending exactly at the window's end is fine. */
	p = text_seg;
	p.vaddr = WIN_HI - 0x100;
	with_text(&f, p);
	put64(&f, 24, WIN_HI - 0x100);
	assert_int_equal(parse(&f), ELF_OK);
}

static void test_overlapping_segments(void **state)
{
	(void)state;
	struct file f;
	struct phdr p = data_seg;

	/* Data in the text's page (which is executable: pages carry the rights). */
	good_file(&f);
	p.vaddr = TEXT + 0x800;
	file_phdr(&f, p);
	assert_int_equal(parse(&f), ELF_E_OVERLAP);

	/* Two segments on top of each other. */
	good_file(&f);
	file_phdr(&f, data_seg);
	assert_int_equal(parse(&f), ELF_E_OVERLAP);

	/* The data's bss running into the next page's segment. */
	good_file(&f);
	p = data_seg;
	p.vaddr = DATA + 0x1000;
	p.memsz = 0x10;
	p.filesz = 0x10;
	file_phdr(&f, p);
	assert_int_equal(parse(&f), ELF_OK);
	good_file(&f);
	p.vaddr = DATA + 0xfff; /* same page as the data's last byte */
	file_phdr(&f, p);
	assert_int_equal(parse(&f), ELF_E_OVERLAP);
}

static void test_writable_and_executable_refused(void **state)
{
	(void)state;
	struct file f;
	struct phdr p = text_seg;

	p.flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
	with_text(&f, p);
	assert_int_equal(parse(&f), ELF_E_WX);
}

static void test_entry_must_be_executable(void **state)
{
	(void)state;
	struct file f;

	good_file(&f);
	put64(&f, 24, DATA + 4); /* in the data */
	assert_int_equal(parse(&f), ELF_E_ENTRY);
	good_file(&f);
	put64(&f, 24, TEXT + 0x100); /* one past the text */
	assert_int_equal(parse(&f), ELF_E_ENTRY);
	good_file(&f);
	put64(&f, 24, 0x100000); /* into the kernel */
	assert_int_equal(parse(&f), ELF_E_ENTRY);
	good_file(&f);
	put64(&f, 24, TEXT + 0xff); /* last byte of the text */
	assert_int_equal(parse(&f), ELF_OK);
}

static void test_every_error_has_its_own_name(void **state)
{
	(void)state;
	for (int a = 0; a < ELF_E_COUNT; a++) {
		assert_non_null(elf_error_name(a));
		assert_true(strlen(elf_error_name(a)) > 1);
		for (int b = 0; b < a; b++)
			assert_string_not_equal(elf_error_name(a), elf_error_name(b));
	}
	assert_string_equal(elf_error_name(ELF_E_COUNT), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file_parses_sorted),
		cmocka_unit_test(test_copy_fills_segments_and_zeroes_bss),
		cmocka_unit_test(test_copy_refuses_small_destination),
		cmocka_unit_test(test_empty_segments_are_skipped),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_not_an_x86_64_executable),
		cmocka_unit_test(test_absurd_program_header_counts),
		cmocka_unit_test(test_too_many_or_no_segments),
		cmocka_unit_test(test_dynamic_executables_refused),
		cmocka_unit_test(test_segment_bytes_past_the_end),
		cmocka_unit_test(test_segment_outside_window),
		cmocka_unit_test(test_overlapping_segments),
		cmocka_unit_test(test_writable_and_executable_refused),
		cmocka_unit_test(test_entry_must_be_executable),
		cmocka_unit_test(test_every_error_has_its_own_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
