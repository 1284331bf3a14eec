/*
 * A process's memory: one contiguous region of whole pages, seen by the
 * process at user address `base` and by the kernel at `kbase`, and the
 * checks every pointer a process passes goes through before a capsule
 * sees it. Portable and host-tested (tests/unit/test_process_memory.c);
 * the page tables that make the hardware agree live in chips/x86_64/.
 *
 * The region, from `base` up (docs/processes.md):
 *
 *   [ image ][ guard ][ stack ][ heap -> ...      ... <- grants ]
 *   base     hi       stack_lo stack_hi  app_break  kernel_break base+size
 *
 * - image: the ELF segments, each with its own rights (text read-only
 *   and executable, data read-write); the bytes between them are not the
 *   process's.
 * - guard: one page the process may never touch, so a stack that runs
 *   off its end faults ("stack overflow") instead of writing the data.
 * - stack and heap: read-write; the heap grows with memop (brk/sbrk).
 * - grants: capsules' per-process state, allocated downwards from the
 *   top. Never the process's: they stay off its page tables, and the
 *   break and the grants never share a page.
 */
#ifndef KNOCK_KERNEL_PROCESS_MEMORY_H
#define KNOCK_KERNEL_PROCESS_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"

#define PROC_PAGE 4096u

/* What a process may do with a range of its memory. */
#define PROC_READ 1u
#define PROC_WRITE 2u
#define PROC_EXEC 4u

struct proc_range {
	uint64_t lo, hi; /* user addresses, [lo, hi) */
	unsigned access; /* PROC_* */
};

struct process_memory {
	uint64_t base;  /* user address of the region's first byte */
	uint8_t *kbase; /* the kernel's address of the same byte */
	size_t size;    /* bytes, whole pages */

	unsigned nimage; /* the image's segments, sorted */
	struct proc_range image[ELF_SEGMENTS_MAX];
	uint64_t image_hi; /* end of the image's last page: the guard page starts here */

	uint64_t stack_lo, stack_hi; /* the stack grows down from stack_hi */
	uint64_t app_break;          /* the heap is [stack_hi, app_break) */
	uint64_t kernel_break;       /* the grants are [kernel_break, base + size) */
};

enum proc_mem_error {
	PROC_MEM_OK = 0,
	PROC_MEM_E_ALIGN, /* base, kbase or size not whole pages */
	PROC_MEM_E_IMAGE, /* the image is not inside the region */
	PROC_MEM_E_FIT,   /* image, guard page and stack do not fit */
};

/*
 * Lay out a region for a parsed image and a stack of `stack_size` bytes
 * (rounded up to pages), and zero the region: the caller then copies the
 * image in (elf_copy(img, file, len, m->kbase, m->base, m->size)).
 */
enum proc_mem_error process_memory_init(struct process_memory *m, uint64_t base, void *kbase,
					size_t size, const struct elf_image *img,
					size_t stack_size);

/*
 * Is [uaddr, uaddr + len) the process's own memory, with `access` (PROC_*
 * bits) everywhere in it, and no wrap-around? An empty range names no
 * memory and is always acceptable (a capsule then gets no bytes).
 */
bool process_memory_check(const struct process_memory *m, uint64_t uaddr, size_t len,
			  unsigned access);

/* process_memory_check(), and on success the kernel's pointer to uaddr
 * (NULL for an empty range: it must never be dereferenced). */
bool process_memory_translate(const struct process_memory *m, uint64_t uaddr, size_t len,
			      unsigned access, void **kptr);

/*
 * The frame of a call into the process (an upcall) on a stack whose
 * pointer is `sp`: the return address goes below `red_zone` bytes (the
 * System V ABI's 128 a leaf function may use without moving RSP), at an
 * address A with A + 8 16-aligned (a function's entry). Returns A, or 0 if
 * sp is too low to hold it at all.
 */
static inline uint64_t process_memory_call_sp(uint64_t sp, uint64_t red_zone)
{
	if (sp < red_zone + 64)
		return 0;
	return ((sp - red_zone) & ~(uint64_t)15) - 8;
}

/*
 * The kernel's pointer to the 8 bytes at uaddr if they are the process's
 * to write, else NULL. Inline, with the stack (mapped read-write) checked
 * first: the chip builds every upcall's frame with it.
 */
static inline uint64_t *process_memory_word(const struct process_memory *m, uint64_t uaddr)
{
	void *k;

	if (uaddr >= m->stack_lo && uaddr <= m->stack_hi - 8)
		return (uint64_t *)(void *)(m->kbase + (uaddr - m->base));
	return process_memory_translate(m, uaddr, 8, PROC_WRITE, &k) ? (uint64_t *)k : NULL;
}

/* memop brk: move the break to `new_break`; false (nothing changed) if it
 * is below the heap's start or would share a page with the grants. */
bool process_memory_brk(struct process_memory *m, uint64_t new_break);
/* memop sbrk: move the break by `delta`; *old_break gets the break before. */
bool process_memory_sbrk(struct process_memory *m, int64_t delta, uint64_t *old_break);

/*
 * Grant memory: `size` bytes aligned to `align` (a power of two, at most a
 * page), zeroed, from the top of the region downwards. NULL if it would
 * share a page with the process's memory (the break).
 */
void *process_memory_grant_alloc(struct process_memory *m, size_t size, size_t align);
/* Forget every grant (the process is being restarted or freed). */
void process_memory_grants_free(struct process_memory *m);

#endif
