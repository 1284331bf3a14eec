/*
 * MSI-X programming (pci_msix.h).
 *
 * Spec: PCI Local Bus Specification 3.0, 6.8.2.3 (message control: MSI-X
 * Enable bit 15, Function Mask bit 14, table size bits 0-10), 6.8.2.6-6.8.2.9
 * (table entry: address low and high, data, vector control with its mask
 * bit 0), 6.8.3.5 (software masks the function while it programs entries),
 * 6.2.2 (command register bit 10: interrupt disable).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "capsules/pci_msix.h"
#include "kernel/fmt.h"
#include "kernel/log.h"

#define REG_COMMAND 0x04
#define CMD_INTX_DISABLE (1u << 10)

#define MSIX_ENABLE (1u << 15)
#define MSIX_FUNCTION_MASK (1u << 14)

#define ENTRY_BYTES 16
#define ENTRY_ADDRESS_LO 0
#define ENTRY_ADDRESS_HI 4
#define ENTRY_DATA 8
#define ENTRY_CONTROL 12
#define ENTRY_MASKED 1u

/* Write the message control word (the upper half of the capability's
 * first dword; the lower half, id and next pointer, is read-only). */
static void write_control(const struct hil_pci_config *cfg, const struct pci_function *f,
			  uint16_t control)
{
	uint32_t head = cfg->read32(cfg->hw, f->bdf, f->msix_cap);
	cfg->write32(cfg->hw, f->bdf, f->msix_cap, (uint32_t)control << 16 | (head & 0xffff));
}

static uint16_t read_control(const struct hil_pci_config *cfg, const struct pci_function *f)
{
	return (uint16_t)(cfg->read32(cfg->hw, f->bdf, f->msix_cap) >> 16);
}

__attribute__((format(printf, 2, 3))) static int refuse(const struct pci_function *f,
							const char *fmt, ...)
{
	char text[120];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_warn("pci: %02x:%02x.%x: MSI-X not enabled: %s", PCI_BDF_BUS(f->bdf),
		 PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), text);
	return -1;
}

int pci_msix_enable(const struct hil_pci_config *cfg, struct pci_function *f,
		    const struct hil_pci_window *table, const struct msix_route *routes, unsigned n)
{
	if (!f->msix_cap || !f->msix_vectors)
		return refuse(f, "the function has no MSI-X capability");
	if ((uint64_t)f->msix_vectors * ENTRY_BYTES > table->bytes)
		return refuse(f, "its %u-entry table does not fit the %u-byte window",
			      f->msix_vectors, table->bytes);
	for (unsigned i = 0; i < n; i++)
		if (routes[i].entry >= f->msix_vectors)
			return refuse(f, "entry %u is outside its %u-entry table", routes[i].entry,
				      f->msix_vectors);

	uint16_t control = read_control(cfg, f);
	write_control(cfg, f, (uint16_t)(control | MSIX_ENABLE | MSIX_FUNCTION_MASK));
	for (uint32_t e = 0; e < f->msix_vectors; e++)
		table->write32(table->hw, e * ENTRY_BYTES + ENTRY_CONTROL, ENTRY_MASKED);
	for (unsigned i = 0; i < n; i++) {
		uint32_t at = (uint32_t)routes[i].entry * ENTRY_BYTES;
		table->write32(table->hw, at + ENTRY_ADDRESS_LO, (uint32_t)routes[i].address);
		table->write32(table->hw, at + ENTRY_ADDRESS_HI,
			       (uint32_t)(routes[i].address >> 32));
		table->write32(table->hw, at + ENTRY_DATA, routes[i].data);
		table->write32(table->hw, at + ENTRY_CONTROL, 0);
	}

	bool kept = true;
	for (unsigned i = 0; i < n && kept; i++) {
		uint32_t at = (uint32_t)routes[i].entry * ENTRY_BYTES;
		kept = table->read32(table->hw, at + ENTRY_ADDRESS_LO) ==
			       (uint32_t)routes[i].address &&
		       table->read32(table->hw, at + ENTRY_DATA) == routes[i].data;
	}
	if (!kept) {
		write_control(cfg, f, (uint16_t)(control & ~(MSIX_ENABLE | MSIX_FUNCTION_MASK)));
		return refuse(f, "its table did not keep the entries written");
	}

	uint16_t command = (uint16_t)(f->command | CMD_INTX_DISABLE);
	cfg->write32(cfg->hw, f->bdf, REG_COMMAND, command); /* status half: zeros, no effect */
	write_control(cfg, f, (uint16_t)((control | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK));
	uint16_t now = read_control(cfg, f);
	if (!(now & MSIX_ENABLE) || (now & MSIX_FUNCTION_MASK)) {
		cfg->write32(cfg->hw, f->bdf, REG_COMMAND, f->command);
		write_control(cfg, f, (uint16_t)(control & ~(MSIX_ENABLE | MSIX_FUNCTION_MASK)));
		return refuse(f, "its message control reads 0x%04x after enabling", now);
	}
	f->command = command;
	f->irq_mode = PCI_IRQ_MSIX;
	return 0;
}
