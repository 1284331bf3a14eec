/*
 * PCI configuration access on the PC (see pci.h).
 *
 * Spec: PCI Local Bus Specification 3.0, 3.2.2.3.2 (configuration
 * mechanism #1: CONFIG_ADDRESS 0xcf8 with the enable bit 31, bus 16-23,
 * device 11-15, function 8-10, register 2-7; CONFIG_DATA 0xcfc). PCI
 * Express Base Specification 4.0, 7.2.2 (ECAM: bus 20-27, device 15-19,
 * function 12-14, register 0-11 of the offset from the window's base).
 * PCI Firmware Specification 3.0, 4.1.2 (MCFG).
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/io.h"
#include "chips/x86_64/paging.h"
#include "chips/x86_64/pci.h"
#include "kernel/log.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define CONFIG_ENABLE 0x80000000u

#define ECAM_BUS_BYTES (1ull << 20)

/* ---- ECAM --------------------------------------------------------------------- */

static struct pci_ecam {
	uintptr_t base;
	unsigned buses; /* bus_end + 1 */
} ecam;

static volatile uint32_t *ecam_reg(const struct pci_ecam *e, pci_bdf bdf, uint16_t offset)
{
	return (volatile uint32_t *)(e->base + ((uintptr_t)bdf << 12) + (offset & 0xffc));
}

static uint32_t ecam_read32(void *hw, pci_bdf bdf, uint16_t offset)
{
	const struct pci_ecam *e = hw;
	if (PCI_BDF_BUS(bdf) >= e->buses || offset >= 4096)
		return 0xffffffffu; /* outside the window: as if nothing answered */
	return *ecam_reg(e, bdf, offset);
}

static void ecam_write32(void *hw, pci_bdf bdf, uint16_t offset, uint32_t value)
{
	const struct pci_ecam *e = hw;
	if (PCI_BDF_BUS(bdf) >= e->buses || offset >= 4096)
		return;
	*ecam_reg(e, bdf, offset) = value;
}

bool pci_ecam_open(const struct platform_ecam *w, struct hil_pci_config *out)
{
	uint64_t len = ((uint64_t)w->bus_end + 1) * ECAM_BUS_BYTES;

	if (!paging_map_mmio(w->base, len)) {
		log_warn("pci: ECAM at 0x%llx cannot be mapped", (unsigned long long)w->base);
		return false;
	}
	ecam.base = (uintptr_t)w->base;
	ecam.buses = (unsigned)w->bus_end + 1;
	*out = (struct hil_pci_config){
		.hw = &ecam,
		.read32 = ecam_read32,
		.write32 = ecam_write32,
		.space_bytes = 4096,
		.method = "ECAM",
	};
	if ((uint16_t)ecam_read32(&ecam, 0, 0) == 0xffff) {
		log_warn("pci: ECAM at 0x%llx reads nothing at 00:00.0: not used",
			 (unsigned long long)w->base);
		return false;
	}
	return true;
}

/* ---- ports 0xcf8/0xcfc ---------------------------------------------------------- */

static uint32_t port_address(pci_bdf bdf, uint16_t offset)
{
	return CONFIG_ENABLE | (uint32_t)bdf << 8 | (offset & 0xfc);
}

static uint32_t port_read32(void *hw, pci_bdf bdf, uint16_t offset)
{
	(void)hw;
	if (offset >= 256)
		return 0xffffffffu;
	outl(CONFIG_ADDRESS, port_address(bdf, offset));
	return inl(CONFIG_DATA);
}

static void port_write32(void *hw, pci_bdf bdf, uint16_t offset, uint32_t value)
{
	(void)hw;
	if (offset >= 256)
		return;
	outl(CONFIG_ADDRESS, port_address(bdf, offset));
	outl(CONFIG_DATA, value);
}

bool pci_ports_open(struct hil_pci_config *out)
{
	/* A chipset with mechanism #1 keeps what is written to 0xcf8 (bits
	 * 31 and 2-30); a bus without it floats. */
	uint32_t saved = inl(CONFIG_ADDRESS);
	outl(CONFIG_ADDRESS, CONFIG_ENABLE);
	uint32_t back = inl(CONFIG_ADDRESS);
	outl(CONFIG_ADDRESS, saved);
	if (back != CONFIG_ENABLE) {
		log_warn(
			"pci: port 0xcf8 reads back 0x%08x, not 0x%08x: no configuration mechanism #1",
			back, CONFIG_ENABLE);
		return false;
	}
	*out = (struct hil_pci_config){
		.hw = NULL,
		.read32 = port_read32,
		.write32 = port_write32,
		.space_bytes = 256,
		.method = "ports 0xcf8/0xcfc",
	};
	return true;
}
