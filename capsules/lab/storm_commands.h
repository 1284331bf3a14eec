/*
 * The shell's `storm <ms>`: an interrupt that re-raises itself on every
 * service (capsules/storm.h), for the watchdog's tests, as a command set
 * (capsules/shell.h). Its end is reported above the prompt.
 *
 *	static struct storm_commands storm_cmds;
 *	storm_commands_init(&storm_cmds, &storm);
 *	shell_register(&shell, &storm_cmds.set);
 */
#ifndef KNOCK_CAPSULES_STORM_COMMANDS_H
#define KNOCK_CAPSULES_STORM_COMMANDS_H

#include "capsules/shell.h"
#include "capsules/lab/storm.h"

struct storm_commands {
	struct storm *storm;
	struct storm_client client;
	struct shell_command_set set;
};

void storm_commands_init(struct storm_commands *c, struct storm *storm);

#endif
