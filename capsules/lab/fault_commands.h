/*
 * The shell's `fault <kind>`: provoke a CPU exception, for the tests of
 * the fault reports (tests/e2e/test_faults.py), as a command set
 * (capsules/shell.h). The board lends the function that provokes it (the
 * chip's) and the list of kinds it knows.
 *
 *	static struct fault_commands fault_cmds;
 *	fault_commands_init(&fault_cmds, x86_fault_trigger, x86_fault_kinds);
 *	shell_register(&shell, &fault_cmds.set);
 */
#ifndef KNOCK_CAPSULES_FAULT_COMMANDS_H
#define KNOCK_CAPSULES_FAULT_COMMANDS_H

#include <stdbool.h>

#include "capsules/shell.h"

/* Provoke a CPU fault of `kind`. Returns false for an unknown kind, true
 * for a kind that resumes (a breakpoint); fatal kinds never return. */
typedef bool (*fault_commands_trigger_fn)(const char *kind);

struct fault_commands {
	fault_commands_trigger_fn trigger;
	const char *kinds; /* "pf ud de ...", for messages */
	struct shell_command_set set;
};

void fault_commands_init(struct fault_commands *c, fault_commands_trigger_fn trigger,
			 const char *kinds);

#endif
