/*
 * Windows into PCI memory BARs (pci_window.h).
 *
 * Spec: PCI Local Bus Specification 3.0, 6.2.5.1 (memory BARs);
 * Intel SDM vol. 3A 11.3 (memory types: device registers must be UC).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/paging.h"
#include "chips/x86_64/pci_window.h"

#define LOW_4K_PAGES_END 0x800000ull

static uint32_t window_read32(void *hw, uint32_t offset)
{
	const struct pci_window *w = hw;
	if (offset >= w->bytes || offset % 4)
		return 0xffffffffu;
	return *(volatile const uint32_t *)(w->base + offset);
}

static void window_write32(void *hw, uint32_t offset, uint32_t value)
{
	const struct pci_window *w = hw;
	if (offset >= w->bytes || offset % 4)
		return;
	*(volatile uint32_t *)(w->base + offset) = value;
}

const char *pci_window_open(const struct pci_bar *bar, uint32_t offset, uint32_t bytes,
			    struct pci_window *w, struct hil_pci_window *out)
{
	uint64_t start = bar->base + offset;

	if (bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64)
		return "its BAR is not memory";
	if (bar->base == 0)
		return "its BAR is not assigned";
	if ((uint64_t)offset + bytes > bar->size)
		return "it runs past the end of its BAR";
	if (start < LOW_4K_PAGES_END || !paging_map_mmio(start, bytes))
		return "its BAR cannot be mapped";
	w->base = (uintptr_t)start;
	w->bytes = bytes;
	*out = (struct hil_pci_window){
		.hw = w,
		.read32 = window_read32,
		.write32 = window_write32,
		.bytes = bytes,
	};
	return NULL;
}
