/*
 * Walks the live page tables from CR3. They are identity mapped, so the
 * physical address in an entry is also a pointer to the next table.
 *
 * Spec: Intel SDM vol. 3A 4.5 (4-level paging: PML4, PDPT, PD, PT entries;
 * PS and NX bits).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/paging.h"
#include "kernel/panic.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7)
#define LARGE_PAGE (2ull << 20)
#define PTE_ADDR 0x000ffffffffff000ull

static uint64_t *next_table(uint64_t entry, uintptr_t va, const char *level)
{
	if (!(entry & PTE_PRESENT))
		panic("paging: %#lx is not mapped at the %s level", (unsigned long)va, level);
	if (entry & PTE_LARGE)
		panic("paging: %#lx is in a large page (%s level); unmapping needs 4 KiB pages "
		      "there (raise BOOT_PT0_PAGES in boot/entry32.asm)",
		      (unsigned long)va, level);
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

void paging_unmap_4k(uintptr_t va)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = next_table(pml4[(va >> 39) & 511], va, "PML4");
	uint64_t *pd = next_table(pdpt[(va >> 30) & 511], va, "PDPT");
	uint64_t *pt = next_table(pd[(va >> 21) & 511], va, "page directory");

	__atomic_store_n(&pt[(va >> 12) & 511], 0, __ATOMIC_RELAXED);
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

void paging_uncache_range(uintptr_t start, uintptr_t len)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uintptr_t end = start + len;

	for (uintptr_t va = start & ~(uintptr_t)(LARGE_PAGE - 1); va < end; va += LARGE_PAGE) {
		uint64_t *pdpt = next_table(pml4[(va >> 39) & 511], va, "PML4");
		uint64_t *pd = next_table(pdpt[(va >> 30) & 511], va, "PDPT");
		uint64_t *pde = &pd[(va >> 21) & 511];
		if ((*pde & (PTE_PRESENT | PTE_LARGE)) != (PTE_PRESENT | PTE_LARGE))
			panic("paging: %#lx is not in a 2 MiB page; cannot map it uncached",
			      (unsigned long)va);
		__atomic_store_n(pde, *pde | PTE_PCD | PTE_PWT, __ATOMIC_RELAXED);
		__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	}
}
