/*
 * The shell on several CPUs: a console-less shell on every other CPU, and
 * the command `on <cpu> <command>` that runs a command there (docs/smp.md).
 * The SMP commands themselves (cpus, smptest, ping) are a command set of
 * their own (capsules/smp_commands.h).
 *
 * The console belongs to CPU 0's shell. `on 2 uptime` claims CPU 2's shell,
 * lends it the command line (its `line` buffer), and knocks on CPU 2 (a
 * cross-CPU call). CPU 2's shell runs the command in its own loop, into its
 * own output buffer, with the command sets registered on it (its own CPU's
 * alarm mux, for example); then it knocks back. The asker copies the
 * answer into its own, releases CPU 2's shell, and finishes its answer.
 * Until that knock back, the output buffer is CPU 2's; from it until the
 * release, the asker's: one owner at a time, handed over by the knocks
 * (each a release, taken with an acquire).
 *
 * A console-less shell has nowhere to show what nobody asked for: alarm
 * messages of alarms set through `on` are counted in its
 * stats.notes_dropped, not shown.
 */
#ifndef KNOCK_CAPSULES_SHELL_SMP_H
#define KNOCK_CAPSULES_SHELL_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "kernel/cpu.h"
#include "kernel/xcall.h"

/* How long `on` waits for the other CPU's answer (smptest may take long). */
#define SHELL_ON_TIMEOUT_MS 120000

struct shell_remote;

/* Shared by every CPU's shell; set up by the boot CPU before the others
 * start. */
struct shell_smp {
	struct xcall remote;                   /* one bit: a request or an answer waits */
	struct shell_remote *remotes[CPU_MAX]; /* by CPU id */
};

/* One shell's part. */
struct shell_remote {
	struct shell *shell;
	struct shell_smp *smp;
	struct alarm_mux *mux; /* for `on`'s timeout; may be NULL */
	unsigned cpu;          /* the CPU the shell runs on */
	/* As the CPU asked by `on`. */
	uint32_t busy;    /* atomic: claimed, until the asker takes the answer */
	uint32_t request; /* atomic: a command waits in the shell's `line` */
	struct shell_remote *asker;
	/* As the asker. */
	uint32_t answered; /* atomic: the shell we asked has answered */
	struct shell_remote *asked;
	bool gave_up; /* the timeout passed: drop the answer when it comes */
	unsigned asked_cpu;
	struct alarm timeout;
	/* `on`: the board registers it (shell_register). */
	struct shell_command_set set;
};

/* On the boot CPU, before the other CPUs start: declare the cross-CPU
 * call. */
void shell_smp_init(struct shell_smp *smp);
/* On the CPU `sh` runs on, before that CPU goes online: let `on` reach
 * `sh` from the other CPUs, and fill r->set with `on` for `sh`. */
void shell_remote_init(struct shell_remote *r, struct shell_smp *smp, struct shell *sh,
		       struct alarm_mux *mux);
/* On each other CPU: `w` becomes a console-less shell answering `on`
 * there (shell_init_console_less + shell_remote_init). */
void shell_worker_init(struct shell *w, struct shell_remote *r, struct shell_smp *smp,
		       struct alarm_mux *mux);

#endif
