/*
 * The shell's process commands (capsules/shell.h), over the processes
 * capsule:
 *
 *   ps              every process: state, system calls, upcalls delivered
 *                   and dropped, faults, restarts, memory in use
 *   kill NAME       stop it (its memory is kept for restart)
 *   restart NAME    start it again from its file
 *   input           give the console to the process waiting for a line,
 *                   for one line (its name is the prompt); then the shell
 *                   prompt comes back
 *   drivers         the system-call drivers (kernel/syscall.h), each with
 *                   its counters since boot
 *
 * The board registers the set only when there are processes, so a knock
 * without apps has no such commands.
 */
#ifndef KNOCK_CAPSULES_PROCESS_COMMANDS_H
#define KNOCK_CAPSULES_PROCESS_COMMANDS_H

#include "capsules/console_driver.h"
#include "capsules/processes.h"
#include "capsules/shell.h"

struct process_commands {
	struct processes *ps;
	struct console_driver *cd; /* for input; NULL: no input */
	struct shell_command_set set;
};

void process_commands_init(struct process_commands *c, struct processes *ps,
			   struct console_driver *cd);

#endif
