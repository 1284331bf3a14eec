/*
 * shell: reads command lines from the console and answers them.
 *
 * The shell knows no other capsule. It is a registry of command sets: a
 * capsule that has commands defines them next to itself (for example
 * capsules/alarm_commands.c for uptime, alarm and alarms) as a
 * struct shell_command_set, and the board registers that set with
 * shell_register(). The shell itself has only help, version and echo, and
 * the machinery every command uses: the answer buffer (shell_say), answers
 * that finish later (shell_answer_later/done), messages nobody asked for
 * (shell_notify) and what happens after the last answer (shell_after_answer,
 * for reboot). docs/capsules.md shows how to add a command.
 *
 * One command at a time: the shell formats a command's whole answer into
 * its own buffer, writes it to the console as the console takes it
 * (waiting for room with a callback, never spinning), and only then asks
 * for the next line, which prints the prompt "knock> ". Messages that come
 * while the prompt is shown appear above the line being typed.
 *
 * A command's name is one word, or two for a subcommand that another set
 * adds to a command ("alarms flood"): the name with the most words that
 * matches the line's first words runs. Two commands with the same name
 * are a wiring mistake: shell_register() panics, naming both sets.
 * Unknown commands and bad arguments get a one-line error, and the prompt
 * comes back.
 *
 * A shell without a console (another CPU's, shell_smp.h) hands each
 * finished answer to the function it was made with instead.
 */
#ifndef KNOCK_CAPSULES_SHELL_H
#define KNOCK_CAPSULES_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/console.h"
#include "kernel/deferred.h"

#define SHELL_PROMPT "knock> "
#define SHELL_OUT_MAX 8192

struct shell;

struct shell_command {
	const char *name; /* one word, or "command subcommand" */
	const char *args; /* for help: "<ms> [periodic]" */
	const char *help; /* for help: one short line */
	/* argv[0] is the name's first word; ctx is the set's. */
	void (*run)(struct shell *sh, void *ctx, int argc, char **argv);
};

/* One capsule's commands. The owner fills name, cmds, count and ctx (with
 * its commands' state) and keeps the set alive; shell_register() links it
 * (next) and sets `shell`, for answers that come from a callback later. A
 * set belongs to one shell. */
struct shell_command_set {
	const char *name; /* help's heading for the set */
	const struct shell_command *cmds;
	unsigned count;
	void *ctx;
	struct shell_command_set *next;
	struct shell *shell;
};

struct shell_stats {
	uint64_t commands;      /* lines that named a known command */
	uint64_t errors;        /* unknown commands, bad arguments, parse errors */
	uint64_t output_cut;    /* answers cut because the buffer was full */
	uint64_t room_waits;    /* times the console asked us to wait */
	uint64_t notes_dropped; /* messages a console-less shell could not show */
};

struct shell {
	struct console *console;                       /* NULL: a console-less shell */
	void (*answered)(void *ctx, struct shell *sh); /* a console-less one's */
	void *answered_ctx;

	struct shell_command_set *sets; /* in registration order */
	struct shell_command_set own;   /* help, version, echo */

	struct console_line_client reader;
	struct console_room_client room;
	struct deferred_call dc;
	bool started;
	bool reading;             /* a console_read_line is outstanding */
	bool answer_later;        /* the command's capsule finishes the answer */
	void (*after)(void *ctx); /* instead of the next prompt (reboot) */
	void *after_ctx;
	char line[LINE_MAX_CHARS + 1];

	char out[SHELL_OUT_MAX];
	size_t out_len, out_sent;
	bool out_cut;

	struct shell_stats stats;
};

/* A shell on `console`, with only its own commands. Declares the shell's
 * deferred call. */
void shell_init(struct shell *sh, struct console *console);
/* A shell with no console: each finished answer (sh->out, sh->out_len)
 * goes to answered(ctx, sh). It declares nothing. */
void shell_init_console_less(struct shell *sh, void (*answered)(void *ctx, struct shell *sh),
			     void *ctx);
/* Add a set's commands (see above); before shell_start(), or at least not
 * while one of the set's commands runs. */
void shell_register(struct shell *sh, struct shell_command_set *set);
/* Print the greeting and the first prompt, from the loop. */
void shell_start(struct shell *sh);

/* For commands: add to the answer. shell_fail() also counts an error. */
__attribute__((format(printf, 2, 3))) void shell_say(struct shell *sh, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void shell_fail(struct shell *sh, const char *fmt, ...);
/* For commands whose capsule finishes the answer from a callback: no
 * prompt until shell_answer_done(). What was said before is written out
 * meanwhile. */
void shell_answer_later(struct shell *sh);
void shell_answer_done(struct shell *sh);
/* After this answer is all in the console, call after(ctx) instead of
 * showing the prompt; the shell then reads no more lines (reboot). */
void shell_after_answer(struct shell *sh, void (*after)(void *ctx), void *ctx);
/* A message nobody asked for (an alarm fired), len bytes ending in '\n':
 * above the prompt when it is up, else after the answer being written.
 * Copied before it returns. */
void shell_notify(struct shell *sh, const char *msg, size_t len);
/* Run the command line in sh->line as if it had been typed (shell_smp.c:
 * a line another CPU's shell lent this one). */
void shell_run_line(struct shell *sh);

#endif
