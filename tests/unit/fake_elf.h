/*
 * Small static x86-64 executables built in memory, for the tests of the
 * process code (kernel/process.c, kernel/syscall.c) that need a file to
 * load. The ELF loader's own tests build theirs byte by byte.
 */
#ifndef KNOCK_TEST_FAKE_ELF_H
#define KNOCK_TEST_FAKE_ELF_H

#include <stddef.h>
#include <stdint.h>

struct fake_elf_segment {
	uint32_t flags; /* ELF_PF_* */
	uint64_t vaddr;
	const void *data;
	size_t filesz;
	size_t memsz;
};

/* Write the file into buf (cap bytes); returns its length (0 if it does not fit). */
size_t fake_elf_build(uint8_t *buf, size_t cap, uint64_t entry, const struct fake_elf_segment *seg,
		      unsigned n);

#endif
