/*
 * The pc board's physical memory for buffers (kernel/phys_alloc.h): every
 * available region of the Multiboot2 memory map, minus the first MiB (BIOS
 * data, the EBDA, the AP trampoline), the kernel image (with its stacks
 * and page tables, all in .bss), the boot information block, the modules
 * and the framebuffer. ACPI tables and everything reserved are not
 * available regions to begin with.
 */
#ifndef KNOCK_BOARD_PC_WIRE_MEMORY_H
#define KNOCK_BOARD_PC_WIRE_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/multiboot2.h"

/* Build the allocator and log what it holds. `mbi_addr` and `mbi_bytes`
 * are where the boot information block is (0 if there was none). */
void board_wire_memory(const struct boot_info *bi, uint64_t mbi_addr, uint64_t mbi_bytes);

/*
 * A physically contiguous buffer of `len` bytes at a multiple of `align`,
 * in memory the kernel maps one to one (its physical address is also its
 * address), above 4 GiB too.
 * Returns false if there is no such run of free pages. Boot CPU only.
 */
bool board_dma_alloc(uint64_t len, uint64_t align, uint64_t *phys);
void board_dma_free(uint64_t phys, uint64_t len);

#endif
