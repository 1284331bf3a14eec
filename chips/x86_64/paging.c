/*
 * Walks the live page tables from CR3. They are identity mapped, so the
 * physical address in an entry is also a pointer to the next table.
 *
 * Spec: Intel SDM vol. 3A 4.5 (4-level paging: PML4, PDPT, PD, PT entries;
 * PS and NX bits).
 */
#include <stdbool.h>
#include <stddef.h>
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

#define PTE_WRITE (1ull << 1)
#define CANONICAL_END (1ull << 47)
#define MMIO_TABLES 8

/* boot/entry32.asm: the high dword of a PTE with NX (bit 63), or 0 when
 * the CPU has no NX (then bit 63 is reserved and must stay clear). */
extern uint32_t boot_nx_high;

/* Page tables for mappings above 4 GiB: one PDPT per 512 GiB and one page
 * directory per GiB touched. .bss is in the identity-mapped first 8 MiB,
 * so a table's address is its physical address. */
static uint64_t mmio_tables[MMIO_TABLES][512] __attribute__((aligned(4096)));
static unsigned mmio_tables_used;

static uint64_t *from_pool(void *ctx)
{
	(void)ctx;
	return mmio_tables_used < MMIO_TABLES ? mmio_tables[mmio_tables_used++] : NULL;
}

/* The table `entry` points to, made (empty) if it is not there; NULL if it
 * maps a large page or no new table can be had. */
static uint64_t *table_at(uint64_t *entry, uint64_t *(*new_table)(void *ctx), void *ctx)
{
	if (*entry & PTE_PRESENT)
		return (*entry & PTE_LARGE) ? NULL : (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
	uint64_t *t = new_table(ctx);
	if (!t)
		return NULL;
	__atomic_store_n(entry, (uint64_t)(uintptr_t)t | PTE_PRESENT | PTE_WRITE, __ATOMIC_RELAXED);
	return t;
}

/* The page directory entry of 2 MiB page `va`, tables made as needed. */
static uint64_t *pde_of(uint64_t va, uint64_t *(*new_table)(void *ctx), void *ctx)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = table_at(&pml4[(va >> 39) & 511], new_table, ctx);
	uint64_t *pd = pdpt ? table_at(&pdpt[(va >> 30) & 511], new_table, ctx) : NULL;
	return pd ? &pd[(va >> 21) & 511] : NULL;
}

bool paging_map_ram(uint64_t start, uint64_t len, uint64_t *(*new_table)(void *ctx), void *ctx)
{
	uint64_t first = (start + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
	uint64_t end = (start + len) & ~(LARGE_PAGE - 1);

	if (start + len < start || end > CANONICAL_END)
		return false;
	for (uint64_t va = first; va < end; va += LARGE_PAGE) {
		uint64_t *pde = pde_of(va, new_table, ctx);
		if (!pde)
			return false;
		if (!(*pde & PTE_PRESENT))
			__atomic_store_n(pde,
					 va | PTE_PRESENT | PTE_WRITE | PTE_LARGE |
						 (uint64_t)boot_nx_high << 32,
					 __ATOMIC_RELAXED);
	}
	return true;
}

bool paging_map_mmio(uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (end < start || end > CANONICAL_END)
		return false;
	for (uint64_t va = start & ~(LARGE_PAGE - 1); va < end; va += LARGE_PAGE) {
		uint64_t *pde = pde_of(va, from_pool, NULL);
		if (!pde)
			return false;
		uint64_t e = *pde;
		if (e & PTE_PRESENT) {
			if (!(e & PTE_LARGE))
				panic("paging: %#lx is in the kernel's 4 KiB pages, not device memory",
				      (unsigned long)va);
			e |= PTE_PCD | PTE_PWT;
		} else {
			e = va | PTE_PRESENT | PTE_WRITE | PTE_LARGE | PTE_PCD | PTE_PWT |
			    (uint64_t)boot_nx_high << 32;
		}
		__atomic_store_n(pde, e, __ATOMIC_RELAXED);
		__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	}
	return true;
}
