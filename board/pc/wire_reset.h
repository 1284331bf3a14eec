/*
 * The pc board's reset (kernel/hil/reset.h), for Ctrl-Alt-Del and the
 * shell's `reboot`: flush what the console queued for the serial line,
 * then the FADT's reset register if it has one, else the 8042's reset
 * line, else a triple fault (chips/x86_64/reset.c).
 */
#ifndef KNOCK_BOARD_PC_WIRE_RESET_H
#define KNOCK_BOARD_PC_WIRE_RESET_H

#include "kernel/hil/reset.h"

extern const struct hil_reset board_reset;

#endif
