/* The pc board's reset (wire_reset.h). */
#include "board/pc/wire_reset.h"

#include "board/pc/wire_console.h"
#include "chips/x86_64/reset.h"
#include "kernel/arch.h"

static _Noreturn void pc_reset(void *hw)
{
	(void)hw;
	arch_irq_disable();
	board_console_flush_sync();
	x86_reset();
}

const struct hil_reset board_reset = { .hw = NULL, .reset = pc_reset };
