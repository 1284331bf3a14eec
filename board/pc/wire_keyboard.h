/*
 * The pc board's keyboard: the i8042 controller, the keyboard capsule on
 * its port, Ctrl-Alt-Del wired to the machine reset.
 */
#ifndef KNOCK_BOARD_PC_WIRE_KEYBOARD_H
#define KNOCK_BOARD_PC_WIRE_KEYBOARD_H

#include "capsules/keyboard.h"
#include "chips/x86_64/i8042.h"

/*
 * Initialise the i8042, create the keyboard capsule, give it the keyboard's
 * pending bit (BIT_KEYBOARD) and route ISA IRQ1. Key events go to the
 * client the console sets (board_wire_console).
 *
 * Call once on the boot CPU after board_interrupts_declare() (the bit must
 * be declared) and after the IOAPICs are up (board_enable_isa_irq), before
 * loop_verify(). Without a working controller the keyboard is still wired
 * (its bit has a client) but no interrupt is routed and a warning says so.
 */
void board_wire_keyboard(void);

/* For the shell (`keys`, `irqs`) and stats: the capsule and the chip. */
struct keyboard *board_keyboard(void);
struct i8042 *board_i8042(void);

#endif
