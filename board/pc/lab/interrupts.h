/*
 * The lab image's own interrupt rows (docs/lab.md), after the product's
 * (board/pc/interrupts.h, same columns). tools/gen_top_halves.py --lab
 * writes their three-instruction top halves, plus a timestamped variant
 * of every row, product and lab, into the lab image only.
 *
 *   storm  a self-IPI the storm generator (capsules/lab/storm.h) fires
 *          as fast as asked, to show the watchdog's storm detection.
 *   com2   the second UART, wired only with `bakeoff world`: the serial
 *          line the bake-off's outside world sends its bytes on
 *          (chips/x86_64/lab/world.h, board/pc/lab/wire_bakeoff.c).
 */
#ifndef KNOCK_BOARD_PC_LAB_INTERRUPTS_H
#define KNOCK_BOARD_PC_LAB_INTERRUPTS_H

#include "board/pc/interrupts.h"

#define LAB_INTERRUPTS(X)                  \
	X(STORM, "storm", 0x43, 3, -1, -1) \
	X(COM2, "com2", 0x44, 8, 3, 0)

enum lab_pending_bit {
#define LAB_BIT_ENUM(e, name, vector, bit, isa, cpu) BIT_##e = (bit),
	LAB_INTERRUPTS(LAB_BIT_ENUM)
#undef LAB_BIT_ENUM
};

enum lab_vector {
#define LAB_VEC_ENUM(e, name, vector, bit, isa, cpu) VEC_##e = (vector),
	LAB_INTERRUPTS(LAB_VEC_ENUM)
#undef LAB_VEC_ENUM
};

/* Declare the lab's rows and install their top halves, and, with
 * `stamped`, the timestamped top halves of every row in their place
 * (board/pc/lab/lab.c, from the lab's wiring). */
void lab_interrupts_init(bool stamped);

#endif
