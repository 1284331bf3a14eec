/*
 * The shell's observation and load commands: stats, trace, busy, sink and
 * `alarms flood` (capsules/shell.c has the table; the handlers are here so
 * that the shell's own file stays about reading lines and answering).
 *
 * The board lends the capsules through struct shell_tools (any may be
 * NULL: the command then says the board has none). sink, `trace dump` and
 * `alarms flood` answer later: the shell prints no prompt until their
 * capsule calls back (shell_answer_later / shell_answer_done in shell.h).
 */
#ifndef KNOCK_CAPSULES_SHELL_TOOLS_H
#define KNOCK_CAPSULES_SHELL_TOOLS_H

#include "capsules/lab/alarm_flood.h"
#include "capsules/lab/busy.h"
#include "capsules/lab/sink.h"
#include "capsules/stats.h"
#include "capsules/trace_dump.h"

struct shell;

struct shell_tools {
	struct stats *stats;
	struct trace_dump *trace_dump;
	struct busy *busy;
	struct sink *sink;
	struct alarm_flood *flood;
};

/* The shell's side of those capsules' callbacks (one per shell). */
struct shell_tools_state {
	struct sink_client sink_client;
	struct trace_dump_client dump_client;
	struct alarm_flood_client flood_client;
};

void shell_cmd_stats(struct shell *sh, int argc, char **argv);
void shell_cmd_trace(struct shell *sh, int argc, char **argv);
void shell_cmd_busy(struct shell *sh, int argc, char **argv);
void shell_cmd_sink(struct shell *sh, int argc, char **argv);
/* `alarms flood <count> <max_ms> [seed]`: argv[0] is "flood". */
void shell_cmd_alarm_flood(struct shell *sh, int argc, char **argv);

#endif
