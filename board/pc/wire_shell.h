/*
 * The pc board's shell: the shell capsule on the board's console, alarm
 * mux and keyboard, with the board's hooks (machine reset, CPU faults for
 * tests, interrupt counters per source for `irqs`).
 */
#ifndef KNOCK_BOARD_PC_WIRE_SHELL_H
#define KNOCK_BOARD_PC_WIRE_SHELL_H

#include "capsules/shell.h"

/*
 * Call after board_wire_timer(), board_wire_keyboard() and
 * board_wire_console() (it uses what they made), before loop_verify().
 * The greeting and the first prompt come from the loop (a deferred call).
 */
void board_wire_shell(void);

struct shell *board_shell(void);

#endif
