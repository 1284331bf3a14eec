/*
 * shell: reads command lines from the console and answers them.
 *
 * It is written against capsule interfaces only: the console (lines in,
 * text out), the alarm mux (uptime, alarms), the keyboard (recent keys),
 * and a few hooks the board hands over in struct shell_board (reset,
 * provoking CPU faults for tests, interrupt counters per source). Any of
 * the capsules but the console may be NULL; the commands that need it
 * then say so.
 *
 * One command at a time: the shell formats a command's whole answer into
 * its own buffer, writes it to the console as the console takes it
 * (waiting for room with a callback, never spinning), and only then asks
 * for the next line, which prints the prompt "knock> ". Alarm messages
 * that come while the prompt is shown appear above the line being typed.
 *
 * Commands live in one table (name, arguments, help, handler) in shell.c;
 * `help` prints it. Unknown commands and bad arguments get a one-line
 * error, and the prompt comes back.
 */
#ifndef KNOCK_CAPSULES_SHELL_H
#define KNOCK_CAPSULES_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/console.h"
#include "capsules/heartbeat.h"
#include "capsules/keyboard.h"
#include "capsules/shell_smp.h"
#include "capsules/shell_tools.h"
#include "capsules/lab/storm.h"
#include "kernel/deferred.h"
#include "kernel/hil/reset.h"

#define SHELL_PROMPT "knock> "
#define SHELL_OUT_MAX 4096
#define SHELL_ALARMS 8
#define SHELL_ALARM_MAX_MS 86400000u /* one day */
#define SHELL_PERIODIC_MIN_MS 10u    /* faster would flood the console */
#define SHELL_KEYS_SHOWN 16
/* Time the UART gets to send "rebooting" before the reset. */
#define SHELL_REBOOT_DELAY_MS 50

/* Counters of one interrupt source, for `irqs`. */
struct shell_irq_counts {
	uint64_t raised;   /* interrupts, as the device side counted them */
	uint64_t serviced; /* times the loop ran the source's capsule */
	uint64_t drained;  /* events taken from the device */
	const char *unit;  /* what `drained` counts, e.g. "bytes" */
};

struct shell_irq_source {
	const char *name;
	void (*read)(void *ctx, struct shell_irq_counts *out);
	void *ctx;
};

/* What the board lends the shell. Every member may be NULL/0. */
struct shell_board {
	const struct hil_reset *reset;
	/* Provoke a CPU fault of `kind`. Returns false for an unknown kind,
	 * true for a kind that resumes (a breakpoint); fatal kinds never
	 * return. */
	bool (*fault)(const char *kind);
	const char *fault_kinds; /* "pf ud de ...", for messages */
	const struct shell_irq_source *irq_sources;
	unsigned irq_source_count;
	/* For `heartbeat`; the shell becomes its client in shell_init(). */
	struct heartbeat *heartbeat;
	/* For stats, trace, busy, sink, `alarms flood` (shell_tools.h). */
	const struct shell_tools *tools;
	/* `bench`: the board's measured figures, one line(arg, text) each. */
	void (*bench)(void (*line)(void *arg, const char *text), void *arg);
	/* For `storm` (capsules/storm.h). */
	struct storm *storm;
};

struct shell;

struct shell_alarm {
	struct alarm alarm;
	struct shell *shell;
	unsigned id; /* 0: the slot is free */
	uint64_t ms;
	bool periodic;
	uint64_t set_at; /* alarm mux ticks */
};

struct shell_stats {
	uint64_t commands;   /* lines that named a known command */
	uint64_t errors;     /* unknown commands, bad arguments, parse errors */
	uint64_t output_cut; /* answers cut because the buffer was full */
	uint64_t room_waits; /* times the console asked us to wait */
};

struct shell {
	struct console *console;
	struct alarm_mux *mux;
	const struct keyboard *keyboard;
	struct shell_board board;

	struct console_line_client reader;
	struct console_room_client room;
	struct heartbeat_client heartbeat_client;
	struct deferred_call dc;
	struct storm_client storm_client;
	bool started;
	bool reading;      /* a console_read_line is outstanding */
	bool answer_later; /* the command's capsule finishes the answer */
	struct shell_tools_state tools;
	char line[LINE_MAX_CHARS + 1];

	char out[SHELL_OUT_MAX];
	size_t out_len, out_sent;
	bool out_cut;

	bool reboot_requested;
	struct alarm reboot_alarm;
	struct shell_alarm alarms[SHELL_ALARMS];
	unsigned next_alarm_id;

	struct shell_stats stats;

	/* Other CPUs: `on`, and this shell on another CPU (shell_smp.h). */
	struct shell_remote remote;
};

/* `board` is copied. Declares the shell's deferred call. */
void shell_init(struct shell *sh, struct console *console, struct alarm_mux *mux,
		const struct keyboard *keyboard, const struct shell_board *board);
/* Print the greeting and the first prompt, from the loop. */
void shell_start(struct shell *sh);

/* For command handlers (shell_tools.c): add to the answer; and for
 * commands that finish later, from a capsule's callback: no prompt until
 * shell_answer_done(). What was said before is written out meanwhile. */
__attribute__((format(printf, 2, 3))) void shell_say(struct shell *sh, const char *fmt, ...);
void shell_answer_later(struct shell *sh);
void shell_answer_done(struct shell *sh);

#endif
