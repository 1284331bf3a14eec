/*
 * The pc board's level-triggered lines (wire_intx.h).
 *
 * Why the interrupt line register: the GSI of a PCI INTx pin is what
 * ACPI's _PRT says, and reading it needs an AML interpreter knock does
 * not have. The firmware (SeaBIOS, OVMF) has already done that routing
 * for the 8259s and written the IRQ in each function's interrupt line
 * register, and on both of QEMU's chipsets the IRQ it names is driven into
 * the IOAPIC's ISA pin of that number too (PIIX3's PIRQ router on pc;
 * ICH9's on q35, which also drives GSI 16-23: the _PRT's answer). QEMU's
 * MADT marks IRQs 5, 9, 10 and 11 level-triggered for that use
 * (docs/interrupts.md has the argument and the limits).
 */
#include <stdbool.h>
#include <stdint.h>

#include "board/pc/interrupts.h"
#include "board/pc/wire_acpi.h"
#include "board/pc/wire_intx.h"
#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/lapic.h"
#include "kernel/arch.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/loop.h"

/* Where the generated top halves mask (tools/gen_top_halves.py): the
 * IOAPIC at its usual address, whose GSI n is entry n. */
#define IOAPIC_USUAL 0xfec00000u
#define REDIR_LOW(gsi) (0x10 + 2 * (gsi))

struct line_row {
	const char *name;
	uint8_t vector;
	unsigned bit;
	uint32_t gsi;
	const char *owner; /* NULL until claimed */
	struct ioapic_pin pin;
	struct hil_irq_line hil;
};

static struct line_row rows[] = {
#define LINE_ROW(e, name, vector, bit, gsi) { name, vector, bit, gsi, NULL, { 0 }, { 0 } },
	BOARD_INTX_LINES(LINE_ROW)
#undef LINE_ROW
};
#define ROWS (sizeof(rows) / sizeof(rows[0]))

/* Interrupts off around the two-step access: the line's own top half (or
 * another level row's) runs on this CPU and moves IOREGSEL. */
static void unmask(void *hw)
{
	const struct line_row *r = hw;
	bool on = arch_irq_save();
	ioapic_pin_set_masked(&r->pin, false);
	arch_irq_restore(on);
}

bool board_intx_claimed(void)
{
	for (unsigned i = 0; i < ROWS; i++)
		if (rows[i].owner)
			return true;
	return false;
}

static bool refuse(const struct pci_function *f, const char *owner, const char *why, unsigned a,
		   unsigned b)
{
	char text[120];
	ksnprintf(text, sizeof(text), why, a, b);
	log_warn("%s: %02x:%02x.%x has no MSI-X, and its INTx %s: not driven", owner,
		 PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), text);
	return false;
}

bool board_intx_claim(const struct pci_function *f, const char *owner, unsigned *bit,
		      uint8_t *vector, const struct hil_irq_line **line)
{
	struct isa_route route;
	struct line_row *r = NULL;

	if (board_irq_routing == BOARD_ROUTING_8259)
		return refuse(f, owner, "would need an IOAPIC (interrupts come through the 8259s)",
			      0, 0);
	if (f->irq_pin < 1 || f->irq_pin > 4)
		return refuse(f, owner, "pin is absent", 0, 0);
	if (f->irq_line == 0 || f->irq_line >= 16)
		return refuse(f, owner, "pin has no line from the firmware (line %u)", f->irq_line,
			      0);
	if (!platform_isa_route(&board_platform, f->irq_line, &route))
		return refuse(f, owner, "line %u reaches no IOAPIC in the routing tables",
			      f->irq_line, 0);
	for (unsigned i = 0; i < ROWS; i++)
		if (rows[i].gsi == route.gsi)
			r = &rows[i];
	if (!r)
		return refuse(f, owner,
			      "line %u is GSI %u, which has no level row in board/pc/interrupts.h",
			      f->irq_line, route.gsi);
	if (r->owner) {
		log_warn("%s: %02x:%02x.%x has no MSI-X, and its INTx line (GSI %u) is %s's "
			 "already (a shared line is not supported): not driven",
			 owner, PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf),
			 r->gsi, r->owner);
		return false;
	}
	/* PCI INTx is level-triggered, active low (PCI 3.0, 2.2.6); a MADT
	 * override says how the chipset presents it (QEMU: active high). */
	bool active_low = route.level ? route.active_low : true;
	if (!ioapic_route(r->gsi, r->vector, (uint8_t)lapic_id(), active_low, true) ||
	    !ioapic_pin_get(r->gsi, &r->pin) || (uintptr_t)r->pin.regsel != IOAPIC_USUAL ||
	    r->pin.reg != REDIR_LOW(r->gsi))
		return refuse(
			f, owner,
			"line's GSI %u is not entry %u of the IOAPIC at 0xfec00000, where its "
			"top half masks",
			r->gsi, r->gsi);
	r->owner = owner;
	r->hil = (struct hil_irq_line){ .hw = r, .unmask = unmask };
	loop_declare_interrupt(r->bit, r->name);
	*bit = r->bit;
	*vector = r->vector;
	*line = &r->hil;
	log_info("intx: %s %02x:%02x.%x pin %c, line %u -> GSI %u (level, active %s%s) -> "
		 "vector 0x%x, pending bit %u (%s)",
		 owner, PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf),
		 'A' + f->irq_pin - 1, f->irq_line, r->gsi, active_low ? "low" : "high",
		 route.level ? "" : ": PCI's, no override says", r->vector, r->bit, r->name);
	return true;
}
