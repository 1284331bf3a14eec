/*
 * The heartbeat's shell command, as a command set (capsules/shell.h):
 *   heartbeat [on [s] | off]    a line every s seconds (default 1)
 * The set is the heartbeat's client: its reports and beats come above the
 * prompt (shell_notify), after the command's own (empty) answer.
 *
 *	static struct heartbeat_commands heartbeat_cmds;
 *	heartbeat_commands_init(&heartbeat_cmds, &heartbeat);
 *	shell_register(&shell, &heartbeat_cmds.set);
 */
#ifndef KNOCK_CAPSULES_HEARTBEAT_COMMANDS_H
#define KNOCK_CAPSULES_HEARTBEAT_COMMANDS_H

#include "capsules/heartbeat.h"
#include "capsules/shell.h"

#define HEARTBEAT_COMMANDS_DEFAULT_S 1

struct heartbeat_commands {
	struct heartbeat *heartbeat;
	struct heartbeat_client client;
	struct shell_command_set set;
};

/* Makes the set the heartbeat's client. */
void heartbeat_commands_init(struct heartbeat_commands *c, struct heartbeat *heartbeat);

#endif
