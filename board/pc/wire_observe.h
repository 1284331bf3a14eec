/*
 * The pc board's observation capsules: stats (with the one table of
 * interrupt sources that feeds both `stats` and `irqs`) and the trace
 * dump, for the shell's command sets (wire_shell.c).
 *
 * Options: stats=timing|counts (default counts: per-bit latency and the
 * longest callback cost every callback about 160 instructions, so they
 * are measured only when asked for, here or with `stats timing on`),
 * trace=on (record from boot).
 */
#ifndef KNOCK_BOARD_PC_WIRE_OBSERVE_H
#define KNOCK_BOARD_PC_WIRE_OBSERVE_H

#include "capsules/stats.h"
#include "capsules/trace_dump.h"

struct board_observe {
	struct stats *stats;
	struct trace_dump *trace_dump;
};

/* After the timer, keyboard and console are wired. */
void board_wire_observe(void);
const struct board_observe *board_observe(void);

/* What `stats` says the device top halves are: "plain"; the lab image's
 * stamped ones say so here (board/pc/lab/lab.c). */
extern const char *board_top_halves_kind;

#endif
