/* Executables in memory for tests (see fake_elf.h). */
#include <stdint.h>
#include <string.h>

#include "fake_elf.h"

static void put(uint8_t *b, size_t at, uint64_t v, size_t n)
{
	memcpy(b + at, &v, n); /* little-endian host, like the files */
}

size_t fake_elf_build(uint8_t *buf, size_t cap, uint64_t entry, const struct fake_elf_segment *seg,
		      unsigned n)
{
	size_t off = 64 + (size_t)n * 56;

	if (off > cap)
		return 0;
	memset(buf, 0, off);
	memcpy(buf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	put(buf, 16, 2, 2);  /* ET_EXEC */
	put(buf, 18, 62, 2); /* EM_X86_64 */
	put(buf, 20, 1, 4);
	put(buf, 24, entry, 8);
	put(buf, 32, 64, 8);
	put(buf, 52, 64, 2);
	put(buf, 54, 56, 2);
	put(buf, 56, n, 2);
	for (unsigned i = 0; i < n; i++) {
		size_t ph = 64 + (size_t)i * 56;
		if (off + seg[i].filesz > cap)
			return 0;
		put(buf, ph, 1, 4); /* PT_LOAD */
		put(buf, ph + 4, seg[i].flags, 4);
		put(buf, ph + 8, off, 8);
		put(buf, ph + 16, seg[i].vaddr, 8);
		put(buf, ph + 24, seg[i].vaddr, 8);
		put(buf, ph + 32, seg[i].filesz, 8);
		put(buf, ph + 40, seg[i].memsz, 8);
		put(buf, ph + 48, 4096, 8);
		if (seg[i].filesz)
			memcpy(buf + off, seg[i].data, seg[i].filesz);
		off += seg[i].filesz;
	}
	return off;
}
