/*
 * The ELF64 loader of processes: a pure function over the bytes of a file
 * (a GRUB module), host-tested and fuzzed (tests/unit/test_elf_load.c,
 * tests/fuzz/fuzz_elf_load.c).
 *
 * It follows the System V ABI's ELF-64 object file format and its x86-64
 * supplement, and accepts only what knock can run: a statically linked
 * little-endian x86-64 executable (ET_EXEC, no interpreter, no dynamic
 * section) whose loadable segments lie inside the window the caller
 * allows (the process's own part of the user address space), do not share
 * a page with each other (pages carry the permissions), are never both
 * writable and executable, and whose entry point is in an executable one.
 * Anything else is an error with a name, never a read past the bytes.
 */
#ifndef KNOCK_KERNEL_ELF_LOAD_H
#define KNOCK_KERNEL_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define ELF_PAGE 4096u
/* Program headers read at most (an absurd e_phnum is an error, not a long walk). */
#define ELF_PHNUM_MAX 32
/* Loadable segments kept (text, rodata, data/bss and a few spare). */
#define ELF_SEGMENTS_MAX 6

/* Segment permissions: p_flags' bits. */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

enum elf_error {
	ELF_OK = 0,
	ELF_E_TRUNCATED,  /* shorter than an ELF header */
	ELF_E_MAGIC,      /* not \x7fELF */
	ELF_E_CLASS,      /* not ELFCLASS64, little-endian, version 1 */
	ELF_E_TYPE,       /* not ET_EXEC for EM_X86_64 */
	ELF_E_PHENTSIZE,  /* program header entries not 56 bytes */
	ELF_E_PHNUM,      /* no program header, or more than ELF_PHNUM_MAX */
	ELF_E_PH_RANGE,   /* program header table past the end of the file */
	ELF_E_DYNAMIC,    /* PT_INTERP or PT_DYNAMIC: not a static executable */
	ELF_E_SEGMENTS,   /* no loadable segment, or more than ELF_SEGMENTS_MAX */
	ELF_E_FILESZ,     /* p_filesz > p_memsz */
	ELF_E_FILE_RANGE, /* a segment's bytes past the end of the file */
	ELF_E_ADDR_RANGE, /* a segment outside the allowed window (or wrapping) */
	ELF_E_OVERLAP,    /* two segments share a page */
	ELF_E_WX,         /* a segment both writable and executable */
	ELF_E_ENTRY,      /* entry point not in an executable segment */
	ELF_E_DEST,       /* elf_copy: the destination does not hold the image */
	ELF_E_COUNT
};

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset; /* in the file */
	uint64_t filesz; /* bytes copied; the rest of memsz is zeroed */
	uint32_t flags;  /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;
	unsigned nseg; /* segments, sorted by vaddr, none empty */
	struct elf_segment seg[ELF_SEGMENTS_MAX];
	uint64_t lo; /* first page of the lowest segment */
	uint64_t hi; /* end of the last page of the highest segment */
};

/*
 * Check the `len` bytes at `file` and describe its loadable segments in
 * `out`. Every segment must lie in [window_lo, window_hi). Returns ELF_OK
 * or the first problem found (then `out` is zeroed).
 */
enum elf_error elf_parse(const uint8_t *file, size_t len, uint64_t window_lo, uint64_t window_hi,
			 struct elf_image *out);

/*
 * Copy a parsed image into memory: `dest` (dest_size bytes) is what the
 * process will see at user address dest_vaddr. Each segment's file bytes
 * are copied and the rest of its memsz zeroed; bytes of `dest` outside
 * every segment are left alone. ELF_E_DEST if a segment does not fit.
 */
enum elf_error elf_copy(const struct elf_image *img, const uint8_t *file, size_t len, uint8_t *dest,
			uint64_t dest_vaddr, size_t dest_size);

/* A short English name of an error, for the log ("segment past the end of the file"). */
const char *elf_error_name(enum elf_error e);

#endif
