/* The pc board's keyboard wiring (wire_keyboard.h). */
#include "board/pc/wire_keyboard.h"

#include "board/pc/interrupts.h"
#include "board/pc/wire_reset.h"
#include "capsules/keymap.h"
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/pending.h"

static struct i8042 i8042;
static struct hil_ps2 ps2;
static struct keyboard keyboard;

void board_wire_keyboard(void)
{
	int have_controller = i8042_init(&i8042) == 0;

	i8042_hil(&i8042, &ps2);
	keyboard_init(&keyboard, &ps2, &keymap_us, &board_reset);
	loop_set_client(BIT_KEYBOARD, "keyboard", keyboard_service, &keyboard);
	if (!have_controller) {
		log_warn("keyboard: no working i8042: keyboard input is off");
		board_isa_irq_absent(1);
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
