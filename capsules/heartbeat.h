/*
 * heartbeat: a line every N seconds while it is on.
 *
 * The worked example of docs/capsules.md, so it is small on purpose and
 * shows the three things most capsules do:
 *
 *  - an alarm from the alarm mux (capsules/alarm_mux.h): a periodic one,
 *    whose callback formats the line and hands it to the client;
 *  - a deferred call (kernel/deferred.h): heartbeat_start() and
 *    heartbeat_stop() never call the client back from inside themselves;
 *    they set the deferred call, and the client hears about the change
 *    from the loop, in changed();
 *  - a cell (kernel/cell.h): the client sits in a map_cell, called through
 *    map_cell_map(), so "no client" is a state, not a NULL check at every
 *    call site.
 *
 *	static struct heartbeat hb;
 *	static struct heartbeat_client me = { .ctx = ..., .changed = ..., .beat = ... };
 *
 *	heartbeat_init(&hb, &mux);          // board: declares the deferred call
 *	heartbeat_set_client(&hb, &me);
 *	heartbeat_start(&hb, 2);            // 0: me.changed() comes later
 *	...                                 // me.beat() every 2 s
 *	heartbeat_stop(&hb);                // me.changed() again, later
 *
 * Callbacks
 * ---------
 * A call that is refused (a period of 0 or over HEARTBEAT_MAX_PERIOD_S)
 * returns -1 and makes no callback. A call that is accepted makes exactly
 * one changed() later, from the loop; several calls before the loop gets
 * there make ONE changed() with the state as it is then (a deferred call is
 * one bit: it coalesces). So changed() reports a state, not a request.
 *
 * beat() runs from the alarm's callback, which the loop already calls from
 * the timer's pending bit, so it needs no deferred call: it is never inside
 * a call the client made.
 *
 * Buffers
 * -------
 * The line handed to beat() is the heartbeat's own buffer, lent for the
 * call only: a client that wants to keep it copies it.
 */
#ifndef KNOCK_CAPSULES_HEARTBEAT_H
#define KNOCK_CAPSULES_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/cell.h"
#include "kernel/deferred.h"

#define HEARTBEAT_MAX_PERIOD_S 3600u
#define HEARTBEAT_LINE_MAX 128

struct heartbeat_status {
	bool on;
	unsigned period_s; /* 0 while off */
	uint64_t beats;    /* lines delivered since the last start */
	uint64_t missed;   /* beats skipped because the loop was late (alarm_mux.h) */
};

struct heartbeat_client {
	void *ctx;
	/* A start or stop took effect: from the deferred call, never inside
	 * heartbeat_start()/heartbeat_stop(). */
	void (*changed)(void *ctx, const struct heartbeat_status *st);
	/* One beat: `line` (len bytes, ending in '\n') is lent for this call. */
	void (*beat)(void *ctx, const char *line, size_t len);
};

struct heartbeat_stats {
	uint64_t requests; /* accepted starts and stops */
	uint64_t reports;  /* changed() rounds: requests - reports coalesced */
	uint64_t refused;  /* starts with a bad period */
};

struct heartbeat {
	struct alarm_mux *mux;
	struct alarm alarm;
	struct deferred_call report;
	struct map_cell client;        /* struct heartbeat_client *, or empty */
	unsigned period_s;             /* 0: off */
	char line[HEARTBEAT_LINE_MAX]; /* the last beat's line, lent to beat() */
	size_t line_len;
	struct heartbeat_stats stats;
};

/* Off, no client. Declares the deferred call (before loop_verify()). */
void heartbeat_init(struct heartbeat *hb, struct alarm_mux *mux);
/* `client` must outlive the heartbeat; a second call replaces the first. */
void heartbeat_set_client(struct heartbeat *hb, struct heartbeat_client *client);

/* Beat every `period_s` seconds (1..HEARTBEAT_MAX_PERIOD_S), restarting the
 * count if it was on. 0, or -1 for a bad period (no callback then). */
int heartbeat_start(struct heartbeat *hb, unsigned period_s);
/* Stop beating; changed() follows even if it was already off. */
void heartbeat_stop(struct heartbeat *hb);

void heartbeat_get_status(const struct heartbeat *hb, struct heartbeat_status *out);

#endif
