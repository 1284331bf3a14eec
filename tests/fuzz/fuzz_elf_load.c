/*
 * Fuzz the process loader (kernel/elf_load.c) and check what elf_load.h
 * promises for every file it accepts:
 *   - the segments are sorted, not empty, share no page, are never both
 *     writable and executable, lie inside the window, and their file
 *     bytes inside the file;
 *   - the entry point is inside an executable segment;
 *   - [lo, hi) is whole pages and holds every segment;
 *   - elf_copy into exactly [lo, hi) succeeds, writing nowhere else (the
 *     destination is an allocation of exactly that size, under ASan).
 * A refused file must leave an empty image behind.
 *
 * Input: the file, in an allocation of exactly its size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/elf_load.h"
#include "tests/fuzz/fuzz.h"

/* A small window (16 pages) keeps the copy's allocation small; the seeds
 * (tests/fuzz/make_seeds.py) are linked for it. */
#define WIN_LO 0x8000000000ull
#define WIN_HI (WIN_LO + 16 * ELF_PAGE)

static void check_image(const struct elf_image *img, size_t len)
{
	int entry_in_text = 0;

	FUZZ_CHECK(img->nseg >= 1 && img->nseg <= ELF_SEGMENTS_MAX);
	FUZZ_CHECK(img->lo % ELF_PAGE == 0 && img->hi % ELF_PAGE == 0);
	FUZZ_CHECK(img->lo >= WIN_LO && img->hi <= WIN_HI && img->lo < img->hi);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		FUZZ_CHECK(s->offset <= len && s->filesz <= len - s->offset);
		FUZZ_CHECK(s->vaddr >= img->lo && s->vaddr + s->memsz <= img->hi);
		FUZZ_CHECK(!((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X)));
		if (i > 0) {
			const struct elf_segment *p = &img->seg[i - 1];
			uint64_t prev_last_page = (p->vaddr + p->memsz - 1) / ELF_PAGE;
			FUZZ_CHECK(s->vaddr / ELF_PAGE > prev_last_page);
		}
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry < s->vaddr + s->memsz)
			entry_in_text = 1;
	}
	FUZZ_CHECK(entry_in_text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;

	fuzz_reset();
	const uint8_t *file = fuzz_exact_copy(data, size);
	enum elf_error e = elf_parse(file, size, WIN_LO, WIN_HI, &img);

	FUZZ_CHECK((unsigned)e < ELF_E_COUNT);
	FUZZ_CHECK(elf_error_name(e)[0] != '\0');
	if (e != ELF_OK) {
		FUZZ_CHECK(img.nseg == 0 && img.entry == 0);
		fuzz_free_all();
		return 0;
	}
	check_image(&img, size);
	size_t dest_size = (size_t)(img.hi - img.lo);
	uint8_t *dest = malloc(dest_size);
	FUZZ_CHECK(dest != NULL);
	FUZZ_CHECK(elf_copy(&img, file, size, dest, img.lo, dest_size) == ELF_OK);
	/* One byte less no longer holds the last segment. */
	const struct elf_segment *last = &img.seg[img.nseg - 1];
	if (last->vaddr + last->memsz == img.hi)
		FUZZ_CHECK(elf_copy(&img, file, size, dest, img.lo, dest_size - 1) == ELF_E_DEST);
	free(dest);
	fuzz_free_all();
	return 0;
}
