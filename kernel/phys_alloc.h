/*
 * The physical page allocator: which 4 KiB pages of RAM nobody uses, and
 * physically contiguous, aligned runs of them for buffers a device reads
 * and writes by DMA (virtqueues, packet and sector buffers).
 *
 * It is a sorted list of free extents [start, end), page aligned and never
 * touching each other. The board builds it once at boot: every available
 * region of the Multiboot2 memory map added, then everything that is in
 * use (the first MiB, the kernel, the boot information, modules) reserved.
 * Allocation is first fit at the requested alignment below a limit (what
 * the kernel maps, or 4 GiB for a device that addresses only 32 bits);
 * freeing merges neighbours back. knock hands out few, long-lived buffers,
 * so a list of extents, not a buddy system. Free extents and live
 * allocations alternate inside each region added, so the list holds at
 * most (live allocations + regions) extents: PHYS_MAX_EXTENTS is room for
 * about a hundred buffers. Past it, memory is dropped with a warning and
 * counted in lost_bytes, never handed out twice. Portable and pure (no memory is
 * touched, only numbers), so it is host-tested (tests/unit/test_phys_alloc.c).
 *
 * One owner: the boot CPU, at wiring time or from the loop.
 */
#ifndef KNOCK_KERNEL_PHYS_ALLOC_H
#define KNOCK_KERNEL_PHYS_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define PHYS_PAGE 4096u
#define PHYS_MAX_EXTENTS 128

struct phys_extent {
	uint64_t start, end; /* [start, end), page aligned, start < end */
};

struct phys_alloc {
	unsigned count;
	struct phys_extent free[PHYS_MAX_EXTENTS]; /* sorted, disjoint, not adjacent */
	uint64_t free_bytes;
	uint64_t lost_bytes; /* free memory dropped because the list was full */
	unsigned refused;    /* bad requests and double frees, each logged */
};

void phys_alloc_init(struct phys_alloc *a);

/* Add usable RAM [start, start + len), shrunk to whole pages. Overlaps
 * with what is already free are merged (a memory map may repeat itself). */
void phys_alloc_add(struct phys_alloc *a, uint64_t start, uint64_t len);

/* Take [start, start + len), widened to whole pages, out of the free
 * memory: it will never be handed out. Only what was added before is
 * affected, so reserve after adding every region. `what` names it in the
 * warning if the list is too full to split an extent. */
void phys_alloc_reserve(struct phys_alloc *a, uint64_t start, uint64_t len, const char *what);

/*
 * Allocate `len` bytes (rounded up to pages), physically contiguous, at a
 * multiple of `align` (a power of two; below a page means a page), ending
 * at or below `limit`. First fit from the lowest address. Returns true and
 * the address in *out, or false (nothing logged: the caller knows what the
 * buffer was for) if no free extent has room.
 */
bool phys_alloc_contiguous(struct phys_alloc *a, uint64_t len, uint64_t align, uint64_t limit,
			   uint64_t *out);

/* The same, starting at or above `min` (a buffer that must lie above
 * 4 GiB, say). */
bool phys_alloc_within(struct phys_alloc *a, uint64_t len, uint64_t align, uint64_t min,
		       uint64_t limit, uint64_t *out);

/* Give back what phys_alloc_contiguous() returned (len as asked). A range
 * that is partly free already (a double free) is refused with a warning
 * and changes nothing. (A range that was never free cannot be told from
 * an allocation: the caller must give back only what it got.) */
void phys_free(struct phys_alloc *a, uint64_t start, uint64_t len);

/* The largest free extent's size (what one allocation could get). */
uint64_t phys_alloc_largest(const struct phys_alloc *a);

#endif
