/*
 * The shell's process commands (capsules/shell.h), over the processes
 * capsule:
 *
 *   ps              every process: state, system calls, upcalls delivered
 *                   and dropped, faults, restarts, memory in use
 *   kill NAME       stop it (its memory is kept for restart)
 *   restart NAME    start it again from its file
 *
 * The board registers the set only when there are processes, so a knock
 * without apps has no such commands.
 */
#ifndef KNOCK_CAPSULES_PROCESS_COMMANDS_H
#define KNOCK_CAPSULES_PROCESS_COMMANDS_H

#include "capsules/processes.h"
#include "capsules/shell.h"

struct process_commands {
	struct processes *ps;
	struct shell_command_set set;
};

void process_commands_init(struct process_commands *c, struct processes *ps);

#endif
