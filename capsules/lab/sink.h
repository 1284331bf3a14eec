/*
 * sink: swallows bulk input from the serial line, counting the bytes and
 * computing their CRC-32 (capsules/crc32.h), until a terminator string.
 * The shell's `sink <terminator>` runs it; the serial flood test sends a
 * MiB of random bytes and checks count and CRC against its own.
 *
 * The bytes come raw from the console (console_read_raw): no escape
 * parsing, no line editing, no echo, so any byte value passes. The
 * terminator (4 to SINK_TERM_MAX printable bytes, chosen by the sender so
 * that it does not occur in its data) is found by a Knuth-Morris-Pratt
 * matcher over the stream, so a match split across two batches, or
 * overlapping a near-match, is still found; the bytes of the terminator
 * are not counted. Bytes after it go back to the line editor.
 *
 * The result comes to the client from the sink's deferred call, never
 * inside the console's call that delivered the terminator.
 */
#ifndef KNOCK_CAPSULES_SINK_H
#define KNOCK_CAPSULES_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/console.h"
#include "kernel/deferred.h"

#define SINK_TERM_MIN 4
#define SINK_TERM_MAX 32

struct sink_result {
	uint64_t bytes; /* before the terminator */
	uint32_t crc;   /* CRC-32 of those bytes */
	uint64_t us;    /* from sink_start() to the terminator's last byte */
};

struct sink_client {
	void *ctx;
	void (*done)(void *ctx, const struct sink_result *r);
};

struct sink {
	struct console *console;
	struct alarm_mux *mux; /* the clock for `us`; may be NULL */
	struct console_raw_client raw;
	struct deferred_call dc;
	const struct sink_client *client;

	uint8_t term[SINK_TERM_MAX];
	uint8_t border[SINK_TERM_MAX]; /* KMP: longest proper border of term[0..i] */
	size_t term_len;
	size_t matched; /* bytes of term matched so far, held back from the count */

	bool active;   /* between sink_start and the terminator */
	bool finished; /* the terminator was seen; the result is due */
	uint64_t started;
	struct sink_result result;
};

/* Declares the sink's deferred call. `mux` may be NULL (then us is 0). */
void sink_init(struct sink *s, struct console *console, struct alarm_mux *mux);

/* Read the serial line raw until `terminator`, then call client->done.
 * Returns 0, or -1 if a sink is running, the console is already read raw,
 * or the terminator's length is outside SINK_TERM_MIN..SINK_TERM_MAX. */
int sink_start(struct sink *s, const char *terminator, const struct sink_client *client);

/* The matcher alone, for tests: reset to count from zero until
 * `terminator`, then feed bytes; returns how many bytes of `bytes` were
 * taken (all, or up to and including the terminator's last byte, after
 * which s->finished is set and s->result holds count and CRC). */
bool sink_reset(struct sink *s, const char *terminator);
size_t sink_feed(struct sink *s, const uint8_t *bytes, size_t n);

#endif
