/*
 * The pc board's MSI pool (wire_msi.h). Every message goes to the boot
 * CPU's LAPIC, like the ISA interrupts; the vector's top half knocks on
 * the row's bit, and the driver's capsule answers it from the loop.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/interrupts.h"
#include "board/pc/wire_msi.h"
#include "board/pc/wire_pci.h"
#include "capsules/pci_msix.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/msi.h"
#include "chips/x86_64/pci_window.h"
#include "kernel/log.h"
#include "kernel/loop.h"

#define MSIX_ENTRY_BYTES 16
#define MSIX_MAX_ROUTES 8

struct pool_row {
	const char *name;
	uint8_t vector;
	unsigned bit;
};

static const struct pool_row pool[] = {
#define POOL_ROW(e, name, vector, bit, isa, cpu) { name, vector, bit },
	BOARD_MSI_POOL(POOL_ROW)
#undef POOL_ROW
};
#define POOL_ROWS (sizeof(pool) / sizeof(pool[0]))

static unsigned claimed; /* rows handed out, in table order */

bool board_msi_claim(const char *owner, unsigned *bit, uint8_t *vector)
{
	if (claimed == POOL_ROWS) {
		log_warn("msi: the pool's %u vectors are all claimed; %s gets none",
			 (unsigned)POOL_ROWS, owner);
		return false;
	}
	const struct pool_row *r = &pool[claimed++];
	loop_declare_interrupt(r->bit, r->name);
	*bit = r->bit;
	*vector = r->vector;
	log_info("msi: %s claims vector 0x%x, pending bit %u (%s)", owner, r->vector, r->bit,
		 r->name);
	return true;
}

static bool vector_of(unsigned bit, uint8_t *vector)
{
	for (unsigned i = 0; i < claimed; i++) {
		if (pool[i].bit == bit) {
			*vector = pool[i].vector;
			return true;
		}
	}
	return false;
}

bool board_msix_enable(struct pci_function *f, const uint16_t *entries, const unsigned *bits,
		       unsigned n)
{
	static struct pci_window windows[POOL_ROWS];
	static unsigned window_count;
	struct msix_route routes[MSIX_MAX_ROUTES];
	struct hil_pci_window table;
	uint8_t apic = (uint8_t)lapic_id();

	if (!board_pci_config() || n > MSIX_MAX_ROUTES || window_count == POOL_ROWS ||
	    !f->msix_cap) {
		log_warn("msi: %02x:%02x.%x: cannot route %u MSI-X entries", PCI_BDF_BUS(f->bdf),
			 PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), n);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t vector;
		if (!vector_of(bits[i], &vector)) {
			log_warn("msi: pending bit %u was not claimed from the pool", bits[i]);
			return false;
		}
		routes[i] = (struct msix_route){ entries[i], msi_lapic_address(apic),
						 msi_lapic_data(vector) };
	}
	const char *why = pci_window_open(&f->bars[f->msix_table_bar], f->msix_table_offset,
					  (uint32_t)f->msix_vectors * MSIX_ENTRY_BYTES,
					  &windows[window_count], &table);
	if (why) {
		log_warn("msi: %02x:%02x.%x: its MSI-X table (BAR%u + 0x%x): %s",
			 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf),
			 f->msix_table_bar, f->msix_table_offset, why);
		return false;
	}
	window_count++;
	if (pci_msix_enable(board_pci_config(), f, &table, routes, n) != 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		log_info("msi: %02x:%02x.%x MSI-X entry %u -> vector 0x%x on APIC %u",
			 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), entries[i],
			 (unsigned)routes[i].data, apic);
	return true;
}
