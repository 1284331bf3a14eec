/*
 * console: the text console on a serial line (UART) and a text screen.
 *
 * Output
 * ------
 * Every byte goes to both: the screen at once (writing it is a few memory
 * stores, kernel/hil/text_screen.h), the UART through a ring buffer that
 * the UART's transmit-empty interrupt drains (kernel/hil/uart.h). The ring
 * never waits for the UART and never overwrites: a writer is told how much
 * was taken.
 *
 *   n = console_write(c, s, len);      // took n <= len bytes
 *   if (n < len)                       // keep the rest, ask to be called
 *           console_notify_when_room(c, &me->room_client);
 *
 * The room callback comes later from the loop (after a UART transmission
 * or from the console's deferred call), never from inside console_write or
 * console_notify_when_room. A writer's bytes reach the screen only as they
 * are accepted, so a writer that retries never shows text twice.
 *
 * Complete lines that nobody can retry (log lines, alarm messages) go
 * through console_write_line(): all or nothing. A line that does not fit is
 * still shown on the screen but counted as dropped for the serial line
 * (console_dropped_log_lines()); once the ring has drained, the console
 * says on the serial line how many were lost.
 *
 * The last CONSOLE_ECHO_RESERVE bytes of the ring are kept for the line
 * editor's echo, so typing still echoes while writers fill the ring. Echo
 * that does not fit even then (input arriving faster than the serial line
 * can show it) is counted in echo_dropped.
 *
 * Input
 * -----
 * Keys from the keyboard (console_input_key) and bytes from the serial
 * line (parsed by capsules/ansi_parse.h) feed ONE line editor
 * (capsules/line_editor.h). A client reads a line Tock-style:
 *
 *   console_read_line(c, "knock> ", buf, sizeof(buf), &shell_line_client);
 *
 * The console prints the prompt, owns `buf` while the line is edited and
 * hands it back in client->line(ctx, buf, len) from its deferred call,
 * never inside console_read_line or inside the keyboard's or UART's call.
 * Keys that come while no read is outstanding (the shell is busy) wait in
 * a queue of CONSOLE_INPUT_QUEUE keys; beyond that they are counted in
 * input_dropped. Ctrl-C empties the queue: it always gets a clean prompt.
 *
 * Lines printed with console_write_line() while a line is being edited
 * appear above it: the input line is cleared, the message printed, and the
 * prompt and input redrawn. console_write_above() does the same for a
 * writer of its own lines (a process), whose text may come in pieces: the
 * input line goes at the first piece and comes back after the newline
 * that ends the line.
 *
 * The board makes the console the loop client of the UART's pending bit
 * (console_uart_service) and gives it the keyboard's key events.
 */
#ifndef KNOCK_CAPSULES_CONSOLE_H
#define KNOCK_CAPSULES_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/ansi_parse.h"
#include "capsules/keyboard.h"
#include "capsules/line_editor.h"
#include "kernel/deferred.h"
#include "kernel/hil/text_screen.h"
#include "kernel/hil/uart.h"

#define CONSOLE_RING_SIZE 4096
#define CONSOLE_ECHO_RESERVE 1024
#define CONSOLE_MAX_WAITERS 8
#define CONSOLE_INPUT_QUEUE 64
/* Width assumed for clearing the input line before a message. */
#define CONSOLE_COLUMNS 80

struct console_room_client {
	void *ctx;
	void (*room)(void *ctx);
};

/* A raw reader of the serial line (console_read_raw). */
struct console_raw_client {
	void *ctx;
	/* Bytes as they came, in order; return how many were taken. Taking
	 * fewer than n ends the raw read: the rest goes to the line editor
	 * (so does console_end_raw(), from here or later). */
	size_t (*received)(void *ctx, const uint8_t *bytes, size_t n);
};

struct console_line_client {
	void *ctx;
	/* `buf` is the buffer given to console_read_line, back with its owner;
	 * it holds `len` characters and, when len < cap, a NUL after them. */
	void (*line)(void *ctx, char *buf, size_t len);
};

struct console_stats {
	uint64_t services;         /* loop services of the UART bit */
	uint64_t bytes_accepted;   /* bytes taken from console_write */
	uint64_t bytes_refused;    /* bytes console_write could not take */
	uint64_t lines_written;    /* console_write_line, queued */
	uint64_t lines_dropped;    /* console_write_line, no room on serial */
	uint64_t echo_dropped;     /* echo bytes the serial line never got */
	uint64_t transmissions;    /* transmit() calls */
	uint64_t transmit_refused; /* transmit() said busy (should not happen) */
	uint64_t foreign_buffers;  /* transmitted() with a buffer not ours */
	uint64_t room_callbacks;   /* room() calls made */
	uint64_t waiters_refused;  /* notify_when_room with the list full */
	uint64_t rx_bytes;         /* bytes from the serial line */
	uint64_t rx_errors;        /* overrun/parity/framing the UART saw */
	uint64_t keys;             /* key events from the keyboard */
	uint64_t input_dropped;    /* key events lost: queue full */
	uint64_t serial_dropped;   /* ...of which typed on the serial line */
	uint64_t raw_bytes;        /* serial bytes handed to a raw reader */
	uint64_t lines_read;       /* lines handed to readers */
};

struct console {
	const struct hil_uart *uart;          /* NULL: screen only */
	const struct hil_text_screen *screen; /* NULL: serial only */
	struct hil_uart_client uart_client;
	struct deferred_call dc;

	/* Output ring. head and tail count bytes ever queued and sent (they
	 * only grow, the index is % size); [tail, tail + in_flight) belongs to
	 * the UART until transmitted(). */
	uint8_t ring[CONSOLE_RING_SIZE];
	size_t head, tail, in_flight;
	size_t synced; /* bytes up to here went out synchronously (console_panic_drain) */
	uint64_t dropped_reported; /* lines_dropped already told on serial */

	const struct console_room_client *waiters[CONSOLE_MAX_WAITERS];
	unsigned waiter_count;

	/* Input. */
	struct ansi_parser ansi;
	struct line_editor editor;
	struct line_input queue[CONSOLE_INPUT_QUEUE];
	unsigned queue_first, queue_count;
	uint64_t input_dropped_reported;
	const struct console_line_client *reader;
	const struct console_raw_client *raw_reader;
	char *read_buf;
	size_t read_cap, read_len;
	bool line_ready;
	/* console_write_above() took the input line off for a line it has
	 * not finished: the line is put back after that line's newline. */
	bool input_off;

	struct console_stats stats;
};

/* Either device may be NULL. Declares the console's deferred call. */
void console_init(struct console *c, const struct hil_uart *uart,
		  const struct hil_text_screen *screen);

/* Returns how many of the n bytes were taken (all, without a UART). */
size_t console_write(struct console *c, const char *s, size_t n);

/* One complete line (or several), all or nothing: true if it was queued
 * for the serial line. Shown on the screen either way. */
bool console_write_line(struct console *c, const char *s, size_t n);

/* console_write() for a writer that is not the line's reader (a process):
 * while a line is being edited its text goes above that line (see
 * "Input"). Returns how many of the n bytes were taken. */
size_t console_write_above(struct console *c, const char *s, size_t n);

/* Call client->room(ctx) once, later, when the ring has room again.
 * Returns 0, or -1 if CONSOLE_MAX_WAITERS others are already waiting (the
 * same client twice is one wait). */
int console_notify_when_room(struct console *c, const struct console_room_client *client);

/* Bytes console_write would take now. */
size_t console_room(const struct console *c);

uint64_t console_dropped_log_lines(const struct console *c);

/* Start reading a line into buf (see "Input"). Returns 0, or -1 while a
 * read is outstanding or when cap is 0. */
int console_read_line(struct console *c, const char *prompt, char *buf, size_t cap,
		      const struct console_line_client *client);

/* From now on, bytes from the serial line go to client->received() as they
 * are (no escape parsing, no line editing, no echo) until it takes fewer
 * than it was given. Keyboard keys still go to the line editor. For bulk
 * input such as the shell's `sink`. Returns 0, or -1 when a raw read is
 * already under way. */
int console_read_raw(struct console *c, const struct console_raw_client *client);
void console_end_raw(struct console *c);

/* A key for the line editor, from any source. */
void console_input_key(struct console *c, struct line_input key);

/* The keyboard capsule's client function (struct keyboard_client.key):
 * ctx is the struct console. */
void console_keyboard_key(void *console, const struct key_event *ev);

/* What a keyboard event means to the line editor: false for releases and
 * keys it has no use for (F1, Shift alone, ...). Pure; for tests. */
bool console_key_from_keyboard(const struct key_event *ev, struct line_input *out);

/* The loop client of the UART's pending bit (ctx: the struct console). */
void console_uart_service(void *console);

/* Panic or exception report: hand every queued serial byte not yet given to
 * the UART to `write_raw` (a polled writer), oldest first. The board first
 * flushes the UART's in-flight part, so nothing queued before the report
 * is lost or comes after it. The ring stays consistent for a loop that
 * resumes (the in-flight run is retired by the UART's transmitted()). */
void console_panic_drain(struct console *c, void (*write_raw)(const uint8_t *bytes, size_t n));

const struct console_stats *console_get_stats(const struct console *c);
const struct ansi_stats *console_ansi_stats(const struct console *c);
const struct line_editor_stats *console_editor_stats(const struct console *c);

#endif
