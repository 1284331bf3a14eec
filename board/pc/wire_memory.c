/*
 * The pc board's page allocator (wire_memory.h). The boot maps the first
 * 4 GiB (boot/entry32.asm); the available regions above are mapped here,
 * one to one, with page tables taken from the allocator itself, so every
 * page it hands out is reachable at its physical address.
 *
 * Option dma=above4g: buffers come from above 4 GiB when there is RAM
 * there (else from below, as usual), to show that a device can use them.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_memory.h"
#include "chips/x86_64/paging.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/string.h"
#include "kernel/phys_alloc.h"

#define MAPPED_END 0x100000000ull
#define LOW_MEMORY_END 0x100000ull
#define LARGE_PAGE 0x200000ull

/* From boot/linker.ld: the whole image, .bss included. The names are the
 * linker script's. */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
extern char __kernel_start[], __kernel_end[];

static struct phys_alloc pages;
static uint64_t mapped_end = MAPPED_END; /* every free page below it is mapped */
static bool dma_above_4g;

/* A page table for paging_map_ram(): from below 4 GiB, which is mapped. */
static uint64_t *new_table(void *ctx)
{
	uint64_t at;
	(void)ctx;
	if (!phys_alloc_contiguous(&pages, 4096, 4096, MAPPED_END, &at))
		return NULL;
	uint64_t *t = (uint64_t *)(uintptr_t)at;
	memset(t, 0, 4096);
	return t;
}

static void map_high_ram(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (e->type != MB2_MMAP_AVAILABLE || e->base + e->length <= MAPPED_END)
			continue;
		uint64_t start = e->base < MAPPED_END ? MAPPED_END : e->base;
		uint64_t len = e->base + e->length - start;
		if (!paging_map_ram(start, len, new_table, NULL)) {
			/* Whatever part was mapped, none of it is handed out. */
			log_warn("memory: RAM at 0x%llx (+%llu MiB) could not be mapped: not used",
				 (unsigned long long)start, (unsigned long long)(len >> 20));
			phys_alloc_reserve(&pages, start, len, "unmapped RAM");
			continue;
		}
		/* paging_map_ram() maps whole 2 MiB pages: what it left out
		 * of a region's ragged ends is not handed out. */
		uint64_t first = (start + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
		uint64_t end = (start + len) & ~(LARGE_PAGE - 1);
		if (end > mapped_end)
			mapped_end = end;
		if (first >= end) {
			phys_alloc_reserve(&pages, start, len, "RAM smaller than a 2 MiB page");
			continue;
		}
		phys_alloc_reserve(&pages, start, first - start,
				   "RAM before the first whole 2 MiB");
		phys_alloc_reserve(&pages, end, start + len - end, "RAM past the last whole 2 MiB");
	}
}

void board_wire_memory(const struct boot_info *bi, uint64_t mbi_addr, uint64_t mbi_bytes)
{
	phys_alloc_init(&pages);
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == MB2_MMAP_AVAILABLE)
			phys_alloc_add(&pages, bi->mmap[i].base, bi->mmap[i].length);

	phys_alloc_reserve(&pages, 0, LOW_MEMORY_END, "the first MiB");
	uint64_t kstart = (uint64_t)(uintptr_t)__kernel_start;
	phys_alloc_reserve(&pages, kstart, (uint64_t)(uintptr_t)__kernel_end - kstart,
			   "the kernel");
	if (mbi_bytes)
		phys_alloc_reserve(&pages, mbi_addr, mbi_bytes, "the boot information");
	for (uint32_t i = 0; i < bi->module_count; i++)
		phys_alloc_reserve(&pages, bi->modules[i].start,
				   bi->modules[i].end - bi->modules[i].start, "a module");
	if (bi->has_framebuffer)
		phys_alloc_reserve(&pages, bi->fb_addr, (uint64_t)bi->fb_pitch * bi->fb_height,
				   "the framebuffer");

	map_high_ram(bi);
	char value[12];
	if (cmdline_value("dma", value, sizeof(value))) {
		dma_above_4g = !strcmp(value, "above4g");
		if (!dma_above_4g)
			log_warn("options: dma=%s is not 'above4g'; ignored", value);
	}

	uint64_t above = 0;
	for (unsigned i = 0; i < pages.count; i++) {
		const struct phys_extent *x = &pages.free[i];
		if (x->end > MAPPED_END)
			above += x->end - (x->start > MAPPED_END ? x->start : MAPPED_END);
	}
	log_info("memory: %llu KiB free for buffers in %u extents (largest %llu KiB), "
		 "%llu KiB of it above 4 GiB%s",
		 (unsigned long long)(pages.free_bytes / 1024), pages.count,
		 (unsigned long long)(phys_alloc_largest(&pages) / 1024),
		 (unsigned long long)(above / 1024),
		 dma_above_4g ? "; dma=above4g: buffers from there first" : "");
}

bool board_dma_alloc(uint64_t len, uint64_t align, uint64_t *phys)
{
	if (dma_above_4g && phys_alloc_within(&pages, len, align, MAPPED_END, mapped_end, phys))
		return true;
	return phys_alloc_contiguous(&pages, len, align, mapped_end, phys);
}

void board_dma_free(uint64_t phys, uint64_t len)
{
	phys_free(&pages, phys, len);
}
