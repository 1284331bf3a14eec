/* Changes to the early identity map (boot/entry32.asm) after boot. */
#ifndef KNOCK_CHIPS_PAGING_H
#define KNOCK_CHIPS_PAGING_H

#include <stdint.h>

/*
 * Unmap the 4 KiB page at `va` (a stack's guard page, say) on this CPU.
 * The page must lie in the part of the map made of 4 KiB pages (the
 * first 8 MiB); a page inside a 2 MiB mapping panics, naming the fix.
 * Other CPUs that already run may still have the page in their TLB: call
 * it before starting them.
 */
void paging_unmap_4k(uintptr_t va);

/*
 * Map [start, start + len) of the identity map uncached (PCD and PWT:
 * UC with the default PAT), on this CPU, for memory-mapped registers
 * outside the top 32 MiB that boot/entry32.asm already maps so (PCI
 * Express configuration space). The range must lie in the 2 MiB pages
 * above the first 8 MiB; it is widened to whole 2 MiB pages. Call before
 * the other CPUs start.
 */
void paging_uncache_range(uintptr_t start, uintptr_t len);

#endif
