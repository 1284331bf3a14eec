/*
 * console_driver: the console as a syscall driver (TRD 104 driver 0x1),
 * so processes can write to it (docs/processes.md).
 *
 *   allow_ro 0        the bytes to write
 *   allow_rw 0        where a line read goes
 *   subscribe 0       write done: fn(bytes written, 0, 0, userdata)
 *   subscribe 1       line read: fn(length, 0, 0, userdata)
 *   command 0         exists
 *   command 1, n      write the first n bytes of the allowed buffer
 *   command 2, n      read a line of at most n bytes into the allowed
 *                     read-write buffer (BUSY while another process reads)
 *
 * A write takes what the console's ring has room for now (maybe less
 * than n) and says how much in the upcall; libknock writes the rest. When
 * the ring has no room at all, the process is not answered until it has
 * (the console's room notification), so a process writing faster than
 * the serial line drains waits in yield instead of spinning.
 *
 * Reading: the shell owns the console's line editor, so a process gets a
 * line only when the shell hands the console over for one: the shell's
 * `input` (capsules/process_commands.c) calls console_driver_read(), the
 * console prompts with the process's name, and the line goes into the
 * process's buffer (without its end of line) and the upcall; then the
 * shell's prompt comes back.
 */
#ifndef KNOCK_CAPSULES_CONSOLE_DRIVER_H
#define KNOCK_CAPSULES_CONSOLE_DRIVER_H

#include "capsules/console.h"
#include "kernel/deferred.h"
#include "kernel/syscall.h"

#define CONSOLE_DRIVER_NUMBER 0x1
/* Processes that can wait for room at once. */
#define CONSOLE_DRIVER_WAITERS 8

#define CONSOLE_DRIVER_LINE_MAX (LINE_MAX_CHARS + 1) /* what console_read_line takes */

struct console_driver {
	struct syscall_driver driver;
	struct console *console;
	struct console_room_client room;
	/* Reading: the process waiting for a line, how much it takes, the
	 * console's buffer and prompt, and who to tell when the line is in. */
	struct process *reader;
	uint64_t reader_max;
	struct console_line_client line_client;
	char line[CONSOLE_DRIVER_LINE_MAX];
	char prompt[40];
	void (*read_done)(void *ctx);
	void *read_done_ctx;
	/* The read starts from here: console_driver_read() is called from
	 * inside the console's own line callback (the shell's command), when
	 * the console does not take a new read yet. */
	struct deferred_call dc;
	struct process *waiting[CONSOLE_DRIVER_WAITERS]; /* NULL: free */
	uint64_t bytes;                                  /* written for processes, since boot */
	uint64_t waits;                                  /* writes that waited for room */
};

/* `grant`: the grant number the board gives it. Registers the driver. */
void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant);

/* The process waiting for a line (command 2), or NULL. */
struct process *console_driver_reader(const struct console_driver *cd);

/* Read one line from the console for the waiting process; done(ctx) when
 * it is in, or when the console would not read (from the loop, later).
 * -1 if no process waits. Boot time: the init declares a deferred call. */
int console_driver_read(struct console_driver *cd, void (*done)(void *ctx), void *ctx);

#endif
