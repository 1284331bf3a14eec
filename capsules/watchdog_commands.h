/*
 * The stall watchdog's shell command, as a command set (capsules/shell.h):
 *   watchdog        its limits as set (watchdog=, storm=) and what it has
 *                   seen: ticks taken, ticks passed on to other CPUs,
 *                   stalls and storms reported, reports lost
 * The watchdog itself is the kernel's (kernel/watchdog.h); this set only
 * reads it, so it needs no state but its own set.
 *
 *	static struct watchdog_commands watchdog_cmds;
 *	watchdog_commands_init(&watchdog_cmds);
 *	shell_register(&shell, &watchdog_cmds.set);
 */
#ifndef KNOCK_CAPSULES_WATCHDOG_COMMANDS_H
#define KNOCK_CAPSULES_WATCHDOG_COMMANDS_H

#include "capsules/shell.h"

struct watchdog_commands {
	struct shell_command_set set;
};

void watchdog_commands_init(struct watchdog_commands *c);

#endif
