/*
 * The pc board's level-triggered lines (BOARD_INTX_LINES in
 * board/pc/interrupts.h): a PCI function without MSI-X gets the row of
 * the GSI its INTx pin reaches, routed level-triggered through the
 * IOAPIC, and a struct hil_irq_line whose unmask() its capsule calls once
 * it has drained the device (docs/interrupts.md, "Level-triggered INTx").
 *
 *	unsigned bit;
 *	const struct hil_irq_line *line;
 *	uint8_t vector;
 *	if (board_intx_claim(f, "virtio-blk", &bit, &vector, &line)) {
 *		loop_set_client(bit, "virtio-blk", service, ctx);
 *		...start the device...
 *		line->unmask(line->hw);
 *	}
 */
#ifndef KNOCK_BOARD_PC_WIRE_INTX_H
#define KNOCK_BOARD_PC_WIRE_INTX_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/irq_line.h"
#include "kernel/hil/pci.h"

/*
 * The line of `f`'s INTx pin: the IRQ the firmware wrote in its interrupt
 * line register, through the MADT's override for it (GSI, polarity; PCI's
 * level, active low where none marks it), to its row. The entry is
 * programmed masked, the row's loop slot declared (the caller sets the
 * client). Returns false with one warning naming `owner` when the line
 * cannot be used: no IOAPIC, no pin or line, no row for the GSI, or the
 * row already claimed (a shared line is not supported).
 */
bool board_intx_claim(const struct pci_function *f, const char *owner, unsigned *bit,
		      uint8_t *vector, const struct hil_irq_line **line);

/* Whether any level row is claimed: its top half then selects its entry
 * through the IOAPIC's register select, so no other CPU may use that
 * register pair (wire_watchdog.c). */
bool board_intx_claimed(void);

#endif
