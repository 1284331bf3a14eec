/*
 * The pc board's page allocator (wire_memory.h). knock maps the first
 * 4 GiB only (boot/entry32.asm), so buffers come from below 4 GiB; RAM
 * above is in the allocator but not handed out until it is mapped.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/wire_memory.h"
#include "kernel/log.h"
#include "kernel/phys_alloc.h"

#define MAPPED_END 0x100000000ull
#define LOW_MEMORY_END 0x100000ull

/* From boot/linker.ld: the whole image, .bss included. The names are the
 * linker script's. */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
extern char __kernel_start[], __kernel_end[];

static struct phys_alloc pages;

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

	uint64_t above = 0;
	for (unsigned i = 0; i < pages.count; i++) {
		const struct phys_extent *x = &pages.free[i];
		if (x->end > MAPPED_END)
			above += x->end - (x->start > MAPPED_END ? x->start : MAPPED_END);
	}
	log_info("memory: %llu KiB free for buffers in %u extents (largest %llu KiB), "
		 "%llu KiB of it above 4 GiB and not mapped yet",
		 (unsigned long long)(pages.free_bytes / 1024), pages.count,
		 (unsigned long long)(phys_alloc_largest(&pages) / 1024),
		 (unsigned long long)(above / 1024));
}

bool board_dma_alloc(uint64_t len, uint64_t align, uint64_t *phys)
{
	return phys_alloc_contiguous(&pages, len, align, MAPPED_END, phys);
}

void board_dma_free(uint64_t phys, uint64_t len)
{
	phys_free(&pages, phys, len);
}
