/*
 * The pc board's observation and load capsules: stats (with each
 * interrupt source's device-side counters), trace dump, busy, sink and
 * the alarm flood, lent to the shell as struct shell_tools.
 *
 * Options: stats=timing|counts (default timing: per-bit latency and the
 * longest callback; `bench` implies counts, so the deferred-call figure
 * measures the plain dispatch), trace=on (record from boot).
 */
#ifndef KNOCK_BOARD_PC_WIRE_OBSERVE_H
#define KNOCK_BOARD_PC_WIRE_OBSERVE_H

#include "capsules/shell_tools.h"

/* After the timer, keyboard and console are wired. */
void board_wire_observe(void);
const struct shell_tools *board_observe_tools(void);

#endif
