/*
 * The shell's `sink <terminator>`: count and CRC serial input until the
 * terminator (capsules/sink.h), as a command set (capsules/shell.h). It
 * answers when the terminator has come.
 *
 *	static struct sink_commands sink_cmds;
 *	sink_commands_init(&sink_cmds, &sink);
 *	shell_register(&shell, &sink_cmds.set);
 */
#ifndef KNOCK_CAPSULES_SINK_COMMANDS_H
#define KNOCK_CAPSULES_SINK_COMMANDS_H

#include "capsules/shell.h"
#include "capsules/lab/sink.h"

struct sink_commands {
	struct sink *sink;
	struct sink_client client;
	struct shell_command_set set;
};

void sink_commands_init(struct sink_commands *c, struct sink *sink);

#endif
