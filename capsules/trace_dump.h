/*
 * trace dump: streams the trace rings (kernel/trace.h) over the console as
 * text, for tools/trace2json.py (the shell's `trace dump`).
 *
 * Format (version 1), one record per line, every line starting with '@'
 * so a reader can pick them out of whatever else the serial line carries:
 *
 *   @trace 1 hz=<cycles per second> cpus=<n>
 *   @bit <bit> <irq|defer> <source> <client>     one per declared bit
 *   @cpu <id> events=<n> overwritten=<n> t0=<cycle count>
 *   @<dt> <code> <bit> <arg>                     n events of that CPU
 *   @end
 *
 * Event lines follow their CPU's @cpu line, oldest first; dt is the
 * cycle count minus the previous event's (the first event's minus t0, so
 * 0). code is the enum trace_kind letter (R B E S K I D H W; see trace.h
 * and docs/observing.md for what each means and what bit and arg hold).
 *
 * Recording is paused while the dump runs, so the rings hold still and
 * the dump does not trace itself. Lines are written only whole, when the
 * console has room for them, so log lines never cut one; when it has
 * none, the dump waits for the console's room callback. The client hears
 * of the end from the dump's own callbacks, never from trace_dump_start().
 */
#ifndef KNOCK_CAPSULES_TRACE_DUMP_H
#define KNOCK_CAPSULES_TRACE_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/console.h"
#include "kernel/cpu.h"
#include "kernel/deferred.h"

struct trace_dump_client {
	void *ctx;
	void (*done)(void *ctx, uint64_t lines);
};

enum trace_dump_phase {
	TRACE_DUMP_IDLE,
	TRACE_DUMP_HEADER,
	TRACE_DUMP_BITS,
	TRACE_DUMP_CPU,
	TRACE_DUMP_EVENTS,
	TRACE_DUMP_END,
	TRACE_DUMP_DONE,
};

struct trace_dump {
	struct console *console;
	struct cpu *(*cpu)(void *ctx, unsigned index);
	void *cpu_ctx;
	uint64_t hz;
	struct console_room_client room;
	struct deferred_call dc;
	const struct trace_dump_client *client;

	enum trace_dump_phase phase;
	unsigned bit;    /* TRACE_DUMP_BITS: next bit to look at */
	unsigned cpu_at; /* index of the CPU being dumped */
	uint64_t seq;    /* TRACE_DUMP_EVENTS: next event */
	uint64_t prev;   /* cycle count of the previous event */
	uint64_t lines;
	char line[96];
	unsigned line_len; /* a line formatted but not yet written, or 0 */
};

/* `cpu(ctx, i)` lists the CPUs (NULL after the last); hz is the cycle
 * rate. Declares the dump's deferred call. */
void trace_dump_init(struct trace_dump *d, struct console *console,
		     struct cpu *(*cpu)(void *ctx, unsigned index), void *cpu_ctx, uint64_t hz);
/* Returns 0, or -1 while a dump is under way. */
int trace_dump_start(struct trace_dump *d, const struct trace_dump_client *client);

#endif
