/*
 * The shell's `bench`: the board's measured interrupt latency figures,
 * one line each, as a command set (capsules/shell.h). The board lends the
 * function that reports them.
 *
 *	static struct bench_commands bench_cmds;
 *	bench_commands_init(&bench_cmds, board_bench_report);
 *	shell_register(&shell, &bench_cmds.set);
 */
#ifndef KNOCK_CAPSULES_BENCH_COMMANDS_H
#define KNOCK_CAPSULES_BENCH_COMMANDS_H

#include "capsules/shell.h"

/* Calls line(arg, text) once per figure. */
typedef void (*bench_commands_report_fn)(void (*line)(void *arg, const char *text), void *arg);

struct bench_commands {
	bench_commands_report_fn report;
	struct shell_command_set set;
};

void bench_commands_init(struct bench_commands *c, bench_commands_report_fn report);

#endif
