/*
 * The shell on several CPUs: the commands `cpus`, `smptest <n>`, `ping`
 * and `on <cpu> <command>`, and a console-less shell on every other CPU
 * that runs what `on` sends it (docs/smp.md).
 *
 * The console belongs to CPU 0's shell. `on 2 uptime` claims CPU 2's shell,
 * lends it the command line (its `line` buffer), and knocks on CPU 2 (a
 * cross-CPU call). CPU 2's shell runs the command in its own loop, into its
 * own output buffer, with its own CPU's alarm mux; then it knocks back.
 * The asker copies the answer into its own, releases CPU 2's shell, and
 * finishes its answer. Until that knock back, the output buffer is CPU 2's;
 * from it until the release, the asker's: one owner at a time, handed over
 * by the knocks (each a release, taken with an acquire).
 *
 * Commands whose answer comes later (smptest, ping, on) call
 * shell_answer_later(); the shell then shows no prompt (or, on another
 * CPU, hands nothing back) until they call shell_answer_done().
 *
 * A console-less shell has nowhere to show what nobody asked for: alarm
 * messages of alarms set through `on` are counted in notes_dropped, not
 * shown. It has no keyboard, no reset and no interrupt counters.
 */
#ifndef KNOCK_CAPSULES_SHELL_SMP_H
#define KNOCK_CAPSULES_SHELL_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/smp_count.h"
#include "capsules/smp_ping.h"
#include "kernel/cpu.h"
#include "kernel/xcall.h"

/* How long `on` waits for the other CPU's answer (smptest may take long). */
#define SHELL_ON_TIMEOUT_MS 120000

struct shell;
struct shell_board;

/* Shared by every CPU's shell; filled by the boot CPU before the others
 * start. */
struct shell_smp {
	struct xcall remote;           /* one bit: a request or an answer waits */
	struct shell *shells[CPU_MAX]; /* by CPU id; [0] is the console's */
	struct smp_count *count;       /* for smptest; may be NULL */
	struct smp_ping *ping;         /* for ping; may be NULL */
};

/* One shell's part (struct shell's `remote`). */
struct shell_remote {
	struct shell_smp *smp; /* NULL: no other CPUs to talk to */
	unsigned cpu;          /* the CPU this shell runs on */
	/* As the CPU asked by `on`. */
	uint32_t busy;    /* atomic: claimed, until the asker takes the answer */
	uint32_t request; /* atomic: a command waits in the shell's `line` */
	struct shell *asker;
	/* As the asker. */
	uint32_t answered; /* atomic: the shell we asked has answered */
	struct shell *asked;
	bool gave_up; /* the timeout passed: drop the answer when it comes */
	unsigned asked_cpu;
	struct alarm timeout;
	uint64_t notes_dropped; /* alarm messages a console-less shell could not show */
};

/* On the boot CPU, after shell_init() of the console's shell and before
 * the other CPUs start: declare the cross-CPU call and hand over the SMP
 * workloads (either may be NULL). */
void shell_smp_init(struct shell *console_shell, struct shell_smp *smp, struct smp_count *count,
		    struct smp_ping *ping);

/* On each other CPU, before it goes online: a console-less shell `w` on
 * that CPU's alarm mux, answering `on` there. The board's hooks are copied
 * except those that only make sense on the console's CPU (reset, interrupt
 * counters, heartbeat). */
void shell_worker_init(struct shell *w, struct shell_smp *smp, struct alarm_mux *mux,
		       const struct shell_board *board);

/* The commands (rows of shell.c's table). */
void shell_cmd_cpus(struct shell *sh, int argc, char **argv);
void shell_cmd_smptest(struct shell *sh, int argc, char **argv);
void shell_cmd_ping(struct shell *sh, int argc, char **argv);
void shell_cmd_on(struct shell *sh, int argc, char **argv);

/* Called by shell.c when a console-less shell's answer is complete: hand
 * it back to the shell that asked. */
void shell_remote_answer_ready(struct shell *sh);

/* Provided by shell.c: run the command `on` left in sh->line. */
void shell_run_request(struct shell *sh);

#endif
