/*
 * The pc board's platform (wire_acpi.h): where the interrupt routing comes
 * from, in this order (docs/interrupts.md):
 *
 *   1. ACPI's MADT;
 *   2. else the Intel MultiProcessor Specification table (a PC without
 *      ACPI: QEMU's -machine pc,acpi=off, old BIOSes); kernel option
 *      mptable=off skips it;
 *   3. else the 8259s in their ISA wiring, on the boot CPU only.
 *
 * A source counts only if it routes every ISA IRQ the board uses (its
 * interrupt table's rows and the watchdog's PIT) to an IOAPIC. One line
 * says which one was used.
 */
#include "board/pc/wire_acpi.h"
#include "chips/x86_64/acpi.h"
#include "chips/x86_64/mptable.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/string.h"

struct platform board_platform;
enum board_irq_routing board_irq_routing;

/* mptable=off: ignore the MP table (to reach the 8259 fallback). */
static bool mptable_wanted(void)
{
	char value[8];
	if (!cmdline_value("mptable", value, sizeof(value)))
		return true;
	if (!strcmp(value, "off")) {
		log_info("board: mptable=off: the MP table is not read");
		return false;
	}
	log_warn("options: mptable=%s is not 'off'; ignored", value);
	return true;
}

void board_discover_platform(const struct boot_info *bi,
			     bool (*usable)(const struct platform *p, const char *source))
{
	struct platform *p = &board_platform;

	if (acpi_discover(bi, p) == 0 && usable(p, "the ACPI MADT")) {
		board_irq_routing = BOARD_ROUTING_MADT;
		log_info("board: interrupt routing from the ACPI MADT (%u cpus, %u IOAPIC%s)",
			 p->cpu_count, p->ioapic_count, p->ioapic_count == 1 ? "" : "s");
		return;
	}
	if (mptable_wanted() && mptable_discover(bi, p) == 0 && usable(p, "the MP table")) {
		board_irq_routing = BOARD_ROUTING_MPTABLE;
		log_info("board: interrupt routing from the MP table (%u cpus, %u IOAPIC%s)",
			 p->cpu_count, p->ioapic_count, p->ioapic_count == 1 ? "" : "s");
		return;
	}
	/* The FADT's reset register, if ACPI gave one, stays. */
	platform_madt_clear(p);
	p->has_8259 = true;
	board_irq_routing = BOARD_ROUTING_8259;
	log_warn("board: interrupt routing from the 8259s (1 cpu, no IOAPIC): no usable ACPI "
		 "MADT or MP table; the other cpus are not started");
}

int board_lint1_is_nmi(void)
{
	for (unsigned i = 0; i < board_platform.lapic_nmi_count; i++)
		if (board_platform.lapic_nmis[i].lint == 1)
			return 1;
	return 0;
}
