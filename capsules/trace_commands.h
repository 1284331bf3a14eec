/*
 * The shell's `trace [on | off | dump]`: record the loop's events
 * (kernel/trace.h) and dump them over the console (capsules/trace_dump.h),
 * as a command set (capsules/shell.h). A dump answers when it is done.
 *
 *	static struct trace_commands trace_cmds;
 *	trace_commands_init(&trace_cmds, &trace_dump);
 *	shell_register(&shell, &trace_cmds.set);
 */
#ifndef KNOCK_CAPSULES_TRACE_COMMANDS_H
#define KNOCK_CAPSULES_TRACE_COMMANDS_H

#include "capsules/shell.h"
#include "capsules/trace_dump.h"

struct trace_commands {
	struct trace_dump *dump; /* NULL: `trace dump` says there is none */
	struct trace_dump_client client;
	struct shell_command_set set;
};

void trace_commands_init(struct trace_commands *c, struct trace_dump *dump);

#endif
