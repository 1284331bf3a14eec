/*
 * The pc board's observation capsules: stats (with each interrupt
 * source's device-side counters) and the trace dump, lent to the shell as
 * struct shell_tools.
 *
 * Options: stats=timing|counts (default counts: per-bit latency and the
 * longest callback cost about 160 instructions a callback, so they are
 * off unless asked for), trace=on (record from boot).
 */
#ifndef KNOCK_BOARD_PC_WIRE_OBSERVE_H
#define KNOCK_BOARD_PC_WIRE_OBSERVE_H

#include "capsules/shell_tools.h"

/* After the timer, keyboard and console are wired. */
void board_wire_observe(void);
/* The lab image adds its load capsules (busy, sink, alarm flood) here. */
struct shell_tools *board_observe_tools(void);
extern const char *board_top_halves_kind;

#endif
