/*
 * The pc board's PCI wiring (wire_pci.h): q35 has an MCFG table and its
 * ECAM window at 0xb0000000; pc has no MCFG, so the ports are used. The
 * scan runs once, here, with the boot CPU alone. A function's BARs are
 * sized when first wanted: by its driver's wiring, before the driver
 * starts (board_pci_find_one()), or by `pci`. Sizing turns the function's
 * decoding off for a moment, so it runs with interrupts off: no handler
 * can write the screen (the VGA, or a framebuffer that is one of these
 * BARs) meanwhile, and only the boot CPU draws. Drivers' functions are
 * sized before they start, so nothing in use is ever sized.
 */
#include <stdbool.h>
#include <stddef.h>

#include "board/pc/wire_acpi.h"
#include "board/pc/wire_pci.h"
#include "chips/x86_64/pci.h"
#include "chips/x86_64/pci_parse.h"
#include "kernel/arch.h"
#include "kernel/log.h"

static struct pci_scan scan;
static struct hil_pci_config config;
static bool have_config;

static const struct platform_ecam *ecam; /* the window used, or NULL: the ports */

static bool open_config(void)
{
	const struct platform_ecam *w = platform_ecam_segment0(&board_platform);
	if (w && pci_ecam_open(w, &config)) {
		ecam = w;
		return true;
	}
	return pci_ports_open(&config);
}

void board_wire_pci(void)
{
	have_config = open_config();
	if (!have_config) {
		log_warn("pci: no way into configuration space: no PCI devices");
		return;
	}
	pci_scan(&config, &scan);
	/* The scanner's warnings are above; the summary does not repeat the
	 * word, so a clean boot log has none. One line with the way in: a
	 * line is about 0.3 ms of knock's boot in QEMU (docs/boot.md). */
	if (ecam)
		log_info("pci: %u functions on %u bus%s, configuration space through ECAM at "
			 "0x%llx, buses %02x-%02x",
			 scan.count, scan.buses, scan.buses == 1 ? "" : "es",
			 (unsigned long long)ecam->base, ecam->bus_start, ecam->bus_end);
	else
		log_info("pci: %u functions on %u bus%s, configuration space through ports "
			 "0xcf8/0xcfc%s",
			 scan.count, scan.buses, scan.buses == 1 ? "" : "es",
			 board_platform.has_mcfg ? " (the MCFG window was not usable)" : "");
	/* Each function at debug level: `pci` lists them, with more. */
	for (unsigned i = 0; i < scan.count; i++) {
		const struct pci_function *f = &scan.functions[i];
		log_debug("pci: %02x:%02x.%x %04x:%04x class %02x%02x%02x", PCI_BDF_BUS(f->bdf),
			  PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), f->vendor, f->device,
			  f->class_code, f->subclass, f->prog_if);
	}
}

const struct pci_scan *board_pci_scan(void)
{
	return &scan;
}

void board_pci_read_bars(struct pci_function *f)
{
	if (!have_config || f->bars_read)
		return;
	bool on = arch_irq_save();
	pci_read_bars(&config, &scan, f);
	arch_irq_restore(on);
}

void board_pci_read_all_bars(void)
{
	for (unsigned i = 0; i < scan.count; i++)
		board_pci_read_bars(&scan.functions[i]);
}

const char *board_pci_method(void)
{
	return have_config ? config.method : NULL;
}

const struct hil_pci_config *board_pci_config(void)
{
	return have_config ? &config : NULL;
}

struct pci_function *board_pci_function(pci_bdf bdf)
{
	for (unsigned i = 0; i < scan.count; i++)
		if (scan.functions[i].bdf == bdf)
			return &scan.functions[i];
	return NULL;
}

struct pci_function *board_pci_find_one(const char *name, uint16_t vendor, uint16_t device,
					uint16_t other_device)
{
	struct pci_function *found = NULL;

	if (!board_pci_config())
		return NULL;
	for (unsigned i = 0; i < scan.count; i++) {
		struct pci_function *f = &scan.functions[i];
		if (f->vendor != vendor || (f->device != device && f->device != other_device))
			continue;
		if (found)
			log_info("%s: %02x:%02x.%x is a second one: not driven", name,
				 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf));
		else
			found = f;
	}
	if (found)
		board_pci_read_bars(found);
	return found;
}

#define CMD_MEMORY (1u << 1)
#define CMD_BUS_MASTER (1u << 2)

void board_pci_set_command(struct pci_function *f, uint16_t command)
{
	if (!have_config)
		return;
	f->command = command;
	/* The status half is write-1-to-clear: zeros leave it alone. */
	config.write32(config.hw, f->bdf, 0x04, f->command);
}

void board_pci_enable_dma(struct pci_function *f)
{
	board_pci_set_command(f, (uint16_t)(f->command | CMD_MEMORY | CMD_BUS_MASTER));
}
