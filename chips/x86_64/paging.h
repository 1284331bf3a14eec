/* Changes to the early identity map (boot/entry32.asm) after boot. */
#ifndef KNOCK_CHIPS_PAGING_H
#define KNOCK_CHIPS_PAGING_H

#include <stdbool.h>
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
 * Map device registers at physical [start, start + len) uncached (PCD and
 * PWT: UC with the default PAT), at the same virtual address, on every
 * CPU that runs on these tables: in the first 4 GiB by marking the 2 MiB
 * pages boot/entry32.asm made, above by adding 2 MiB pages (a PCI BAR the
 * firmware placed high: OVMF puts 64-bit BARs there), with page tables
 * from a small static pool. The range is widened to whole 2 MiB pages and
 * must lie above the first 8 MiB (the kernel's 4 KiB pages). Returns
 * false, changing nothing more, if the range is not canonical or the pool
 * is used up. Call before the other CPUs start.
 */
bool paging_map_mmio(uint64_t start, uint64_t len);

/*
 * Map RAM at physical [start, start + len) at the same virtual address,
 * cached and not executable, in 2 MiB pages (the range is shrunk to whole
 * ones), for RAM the boot did not map (above 4 GiB). Pages already mapped
 * are left as they are. New page tables come from new_table(ctx): a
 * zeroed, identity-mapped 4 KiB page, or NULL when there is none. Returns
 * false if a table was missing or the range is not canonical (what was
 * mapped before that stays). Call before the other CPUs start.
 */
bool paging_map_ram(uint64_t start, uint64_t len, uint64_t *(*new_table)(void *ctx), void *ctx);

#endif
