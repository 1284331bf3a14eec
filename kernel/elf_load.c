/*
 * The ELF64 loader (see elf_load.h). Field offsets are those of the
 * System V ABI's ELF-64 header (64 bytes) and program header (56 bytes).
 * Fields are read with memcpy: the file is a module GRUB placed anywhere,
 * so nothing in it is aligned, and both the kernel and the host tests run
 * little-endian, as the x86-64 ELF files are.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "elf_load.h"
#include "string.h"

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u

#define ET_EXEC 2u
#define EM_X86_64 62u
#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u

/* a + b <= limit, with no wrap-around on the way. */
static bool fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static enum elf_error check_header(const uint8_t *f, size_t len)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (len < EHDR_SIZE)
		return ELF_E_TRUNCATED;
	if (memcmp(f, magic, sizeof(magic)) != 0)
		return ELF_E_MAGIC;
	/* EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian), EI_VERSION 1, e_version 1. */
	if (f[4] != 2 || f[5] != 1 || f[6] != 1 || load_le32(f + 20) != 1)
		return ELF_E_CLASS;
	if (load_le16(f + 16) != ET_EXEC || load_le16(f + 18) != EM_X86_64)
		return ELF_E_TYPE;
	uint16_t phnum = load_le16(f + 56);
	/* e_phnum 0xffff (PN_XNUM) means "the count is elsewhere": too many anyway. */
	if (phnum == 0 || phnum > ELF_PHNUM_MAX)
		return ELF_E_PHNUM;
	if (load_le16(f + 54) != PHDR_SIZE)
		return ELF_E_PHENTSIZE;
	if (!fits(load_le64(f + 32), (uint64_t)phnum * PHDR_SIZE, len))
		return ELF_E_PH_RANGE;
	return ELF_OK;
}

static enum elf_error check_segment(const struct elf_segment *s, size_t len, uint64_t window_lo,
				    uint64_t window_hi)
{
	if (s->filesz > s->memsz)
		return ELF_E_FILESZ;
	if (!fits(s->offset, s->filesz, len))
		return ELF_E_FILE_RANGE;
	if (s->vaddr < window_lo || !fits(s->vaddr, s->memsz, window_hi))
		return ELF_E_ADDR_RANGE;
	if ((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X))
		return ELF_E_WX;
	return ELF_OK;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(uint64_t)(ELF_PAGE - 1);
}

/* Rounded up; saturates at the last page instead of wrapping to 0, so a
 * window or segment end near 2^64 never turns into a small number. */
static uint64_t page_up(uint64_t a)
{
	if (a > UINT64_MAX - (ELF_PAGE - 1))
		return page_down(UINT64_MAX);
	return page_down(a + ELF_PAGE - 1);
}

/* Insert s into the sorted img->seg[]: program headers need not be in order. */
static void insert_sorted(struct elf_image *img, const struct elf_segment *s)
{
	unsigned i = img->nseg;

	while (i > 0 && img->seg[i - 1].vaddr > s->vaddr) {
		img->seg[i] = img->seg[i - 1];
		i--;
	}
	img->seg[i] = *s;
	img->nseg++;
}

static enum elf_error check_layout(struct elf_image *img)
{
	bool entry_ok = false;

	if (img->nseg == 0)
		return ELF_E_SEGMENTS;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (i > 0 &&
		    page_down(s->vaddr) < page_up(img->seg[i - 1].vaddr + img->seg[i - 1].memsz))
			return ELF_E_OVERLAP;
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return ELF_E_ENTRY;
	img->lo = page_down(img->seg[0].vaddr);
	img->hi = page_up(img->seg[img->nseg - 1].vaddr + img->seg[img->nseg - 1].memsz);
	return ELF_OK;
}

enum elf_error elf_parse(const uint8_t *file, size_t len, uint64_t window_lo, uint64_t window_hi,
			 struct elf_image *out)
{
	enum elf_error e;

	memset(out, 0, sizeof(*out));
	/* The window is whole pages, so that rounding a segment's ends to
	 * pages stays inside it. */
	window_lo = page_up(window_lo);
	window_hi = page_down(window_hi);
	e = check_header(file, len);
	if (e != ELF_OK)
		return e;

	uint64_t phoff = load_le64(file + 32);
	uint16_t phnum = load_le16(file + 56);
	out->entry = load_le64(file + 24);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + (uint64_t)i * PHDR_SIZE;
		uint32_t type = load_le32(ph);
		if (type == PT_INTERP || type == PT_DYNAMIC) {
			e = ELF_E_DYNAMIC;
			goto bad;
		}
		if (type != PT_LOAD)
			continue; /* notes, GNU_STACK and the like: nothing to load */
		struct elf_segment s = {
			.flags = load_le32(ph + 4),
			.offset = load_le64(ph + 8),
			.vaddr = load_le64(ph + 16),
			.filesz = load_le64(ph + 32),
			.memsz = load_le64(ph + 40),
		};
		e = check_segment(&s, len, window_lo, window_hi);
		if (e != ELF_OK)
			goto bad;
		if (s.memsz == 0)
			continue;
		if (out->nseg == ELF_SEGMENTS_MAX) {
			e = ELF_E_SEGMENTS;
			goto bad;
		}
		insert_sorted(out, &s);
	}
	e = check_layout(out);
	if (e == ELF_OK)
		return ELF_OK;
bad:
	memset(out, 0, sizeof(*out));
	return e;
}

enum elf_error elf_copy(const struct elf_image *img, const uint8_t *file, size_t len, uint8_t *dest,
			uint64_t dest_vaddr, size_t dest_size)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (s->vaddr < dest_vaddr || !fits(s->vaddr - dest_vaddr, s->memsz, dest_size))
			return ELF_E_DEST;
		if (s->filesz > s->memsz || !fits(s->offset, s->filesz, len))
			return ELF_E_FILE_RANGE;
	}
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint8_t *at = dest + (s->vaddr - dest_vaddr);
		memcpy(at, file + s->offset, s->filesz);
		memset(at + s->filesz, 0, s->memsz - s->filesz);
	}
	return ELF_OK;
}

const char *elf_error_name(enum elf_error e)
{
	static const char *const names[ELF_E_COUNT] = {
		[ELF_OK] = "ok",
		[ELF_E_TRUNCATED] = "shorter than an ELF header",
		[ELF_E_MAGIC] = "not an ELF file",
		[ELF_E_CLASS] = "not a 64-bit little-endian ELF version 1",
		[ELF_E_TYPE] = "not an x86-64 executable",
		[ELF_E_PHENTSIZE] = "program header entries not 56 bytes",
		[ELF_E_PHNUM] = "no program header or too many",
		[ELF_E_PH_RANGE] = "program headers past the end of the file",
		[ELF_E_DYNAMIC] = "dynamically linked (needs a static executable)",
		[ELF_E_SEGMENTS] = "no loadable segment or too many",
		[ELF_E_FILESZ] = "segment's file size larger than its memory size",
		[ELF_E_FILE_RANGE] = "segment past the end of the file",
		[ELF_E_ADDR_RANGE] = "segment outside the process's address window",
		[ELF_E_OVERLAP] = "segments share a page",
		[ELF_E_WX] = "segment both writable and executable",
		[ELF_E_ENTRY] = "entry point not in an executable segment",
		[ELF_E_DEST] = "image does not fit the process's memory",
	};
	if ((unsigned)e >= ELF_E_COUNT)
		return "unknown error";
	return names[e];
}
