/*
 * The stats capsule's shell commands, as a command set (capsules/shell.h):
 *   stats [reset | timing on|off]   what the loop did, per source
 *                                   (capsules/stats.h, docs/observing.md)
 *   irqs                            per interrupt source: raised,
 *                                   serviced, drained
 * Both read the one table of interrupt sources the board gave the stats.
 *
 *	static struct stats_commands stats_cmds;
 *	stats_commands_init(&stats_cmds, &stats);
 *	shell_register(&shell, &stats_cmds.set);
 */
#ifndef KNOCK_CAPSULES_STATS_COMMANDS_H
#define KNOCK_CAPSULES_STATS_COMMANDS_H

#include "capsules/shell.h"
#include "capsules/stats.h"

struct stats_commands {
	struct stats *stats;
	struct shell_command_set set;
};

void stats_commands_init(struct stats_commands *c, struct stats *stats);

#endif
