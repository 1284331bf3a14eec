/*
 * The pc board's observation and load capsules: stats (with each
 * interrupt source's device-side counters), trace dump, busy, sink and
 * the alarm flood, for the shell's command sets (wire_shell.c).
 *
 * Options: stats=timing|counts (default counts: per-bit latency and the
 * longest callback cost every callback about 160 instructions, so they
 * are measured only when asked for, here or with `stats timing on`),
 * trace=on (record from boot).
 */
#ifndef KNOCK_BOARD_PC_WIRE_OBSERVE_H
#define KNOCK_BOARD_PC_WIRE_OBSERVE_H

#include "capsules/alarm_flood.h"
#include "capsules/busy.h"
#include "capsules/sink.h"
#include "capsules/stats.h"
#include "capsules/trace_dump.h"

struct board_observe {
	struct stats *stats;
	struct trace_dump *trace_dump;
	struct busy *busy;
	struct sink *sink;
	struct alarm_flood *flood;
};

/* After the timer, keyboard and console are wired. */
void board_wire_observe(void);
const struct board_observe *board_observe(void);

#endif
