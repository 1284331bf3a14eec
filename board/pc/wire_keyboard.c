/* The pc board's keyboard wiring (wire_keyboard.h). */
#include "board/pc/wire_keyboard.h"

#include "board/pc/design.h"
#include "board/pc/interrupts.h"
#include "board/pc/wire_console.h"
#include "capsules/keymap.h"
#include "chips/x86_64/acpi.h"
#include "chips/x86_64/reset.h"
#include "kernel/arch.h"
#include "kernel/hil/reset.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/pending.h"

static struct i8042 i8042;
static struct hil_ps2 ps2;
static struct keyboard keyboard;

/* Ctrl-Alt-Del: the FADT's reset register if it has one (acpi_reset
 * returns when there is none or it did not take), else x86_reset(): the
 * 8042's reset line, else a triple fault. */
static _Noreturn void pc_reset(void *hw)
{
	(void)hw;
	arch_irq_disable();
	board_console_flush_sync();
	x86_reset();
}

static const struct hil_reset reset = { .hw = NULL, .reset = pc_reset };

void board_wire_keyboard(const struct keyboard_client *client)
{
	int have_controller = i8042_init(&i8042) == 0;

	i8042_hil(&i8042, &ps2);
	keyboard_init(&keyboard, &ps2, &keymap_us, &reset);
	if (client)
		keyboard_set_client(&keyboard, client);
	board_device_client(BIT_KEYBOARD, "keyboard", keyboard_service, &keyboard);
	if (!have_controller) {
		log_warn("keyboard: no working i8042: keyboard input is off");
		return;
	}
	board_enable_isa_irq(1);
	/* A byte that reached the controller before IRQ1 was routed raised its
	 * edge while masked; it would sit there and block every later
	 * interrupt. One service from the loop drains it. */
	pending_set(arch_this_cpu(), BIT_KEYBOARD);
	keyboard_start(&keyboard);
}

struct keyboard *board_keyboard(void)
{
	return &keyboard;
}

struct i8042 *board_i8042(void)
{
	return &i8042;
}
