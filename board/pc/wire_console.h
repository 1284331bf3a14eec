/*
 * The pc board's console: COM1 in interrupt mode and the text screen
 * (board/pc/wire_screen.h: VGA text, framebuffer or none) under the
 * console capsule, the keyboard's key events into its line editor, and
 * the log switched from polled output to the console.
 */
#ifndef KNOCK_BOARD_PC_WIRE_CONSOLE_H
#define KNOCK_BOARD_PC_WIRE_CONSOLE_H

#include <stdbool.h>

#include "capsules/console.h"
#include "capsules/keyboard.h"
#include "chips/x86_64/uart16550.h"

/*
 * `have_uart`: what uart_init(COM1_BASE) returned (without a UART the
 * console is screen-only). `kb`: the keyboard capsule whose key events
 * feed the line editor, or NULL.
 *
 * Call once on the boot CPU after board_interrupts_declare() and the
 * IOAPIC set-up (it routes ISA IRQ4), after board_wire_keyboard(), before
 * loop_verify(). As late as possible is best: log lines from here until
 * the loop runs wait in the console's ring (the UART drains it only once
 * interrupts are on); the ring holds about 3 KiB of them, and lines that do
 * not fit are still shown on the screen and counted.
 *
 * Log sinks afterwards: the console (serial through the ring, and the
 * screen); panic sinks: polled uart_write and board_screen_write, so a panic
 * report always comes out, with interrupts off and the loop stopped.
 */
void board_wire_console(bool have_uart, struct keyboard *kb);

/* Before a reset: write out, polled, what the console has queued for
 * the serial line (call with interrupts off). Otherwise the lines that
 * explain the reset ("Ctrl-Alt-Del: resetting") die in the ring. */
void board_console_flush_sync(void);

/* For the shell (`irqs`) and stats. */
struct console *board_console(void);
/* NULL without a UART. */
struct uart16550 *board_uart(void);

#endif
