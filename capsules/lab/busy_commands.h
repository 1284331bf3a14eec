/*
 * The shell's `busy`: long callbacks on purpose (capsules/busy.h), as a
 * command set (capsules/shell.h).
 *   busy <ms> [times [gap_ms]]   start; busy stop; busy: its status
 *
 *	static struct busy_commands busy_cmds;
 *	busy_commands_init(&busy_cmds, &busy);
 *	shell_register(&shell, &busy_cmds.set);
 */
#ifndef KNOCK_CAPSULES_BUSY_COMMANDS_H
#define KNOCK_CAPSULES_BUSY_COMMANDS_H

#include "capsules/lab/busy.h"
#include "capsules/shell.h"

struct busy_commands {
	struct busy *busy;
	struct shell_command_set set;
};

void busy_commands_init(struct busy_commands *c, struct busy *busy);

#endif
