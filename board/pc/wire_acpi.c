/*
 * The pc board's platform: what ACPI says about this machine (wire_acpi.h).
 * Without a usable MADT the board still runs: the interrupt code then sees
 * has_madt false and must fall back to the PC's fixed addresses or to
 * polling; this file only says so.
 */
#include "board/pc/wire_acpi.h"
#include "chips/x86_64/acpi.h"
#include "kernel/log.h"

struct platform board_platform;

void board_discover_platform(const struct boot_info *bi)
{
	if (acpi_discover(bi, &board_platform) != 0)
		log_warn("board: no usable ACPI MADT: interrupt routing falls back to PC defaults");
}

int board_lint1_is_nmi(void)
{
	for (unsigned i = 0; i < board_platform.lapic_nmi_count; i++)
		if (board_platform.lapic_nmis[i].lint == 1)
			return 1;
	return 0;
}
