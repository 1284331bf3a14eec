/*
 * The shell's `alarms flood <count> <max_ms> [seed]`: many alarms at once
 * (capsules/alarm_flood.h), as a command set (capsules/shell.h) that adds
 * the subcommand `flood` to `alarms` (capsules/alarm_commands.h). It
 * answers when the last alarm has fired.
 *
 *	static struct alarm_flood_commands flood_cmds;
 *	alarm_flood_commands_init(&flood_cmds, &flood);
 *	shell_register(&shell, &flood_cmds.set);
 */
#ifndef KNOCK_CAPSULES_ALARM_FLOOD_COMMANDS_H
#define KNOCK_CAPSULES_ALARM_FLOOD_COMMANDS_H

#include "capsules/lab/alarm_flood.h"
#include "capsules/shell.h"

struct alarm_flood_commands {
	struct alarm_flood *flood;
	struct alarm_flood_client client;
	struct shell_command_set set;
};

void alarm_flood_commands_init(struct alarm_flood_commands *c, struct alarm_flood *flood);

#endif
