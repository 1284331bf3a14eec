/* sink (see sink.h): count and CRC-32 of raw serial input up to a terminator. */
#include "capsules/lab/sink.h"
#include "capsules/crc32.h"
#include "kernel/string.h"

static void count(struct sink *s, const uint8_t *bytes, size_t n)
{
	if (!n)
		return;
	s->result.bytes += n;
	s->result.crc = crc32_update(s->result.crc, bytes, n);
}

bool sink_reset(struct sink *s, const char *terminator)
{
	size_t len = strnlen(terminator, SINK_TERM_MAX + 1);

	if (len < SINK_TERM_MIN || len > SINK_TERM_MAX)
		return false;
	memcpy(s->term, terminator, len);
	s->term_len = len;
	/* border[i]: length of the longest proper prefix of term[0..i] that
	 * is also its suffix (the KMP failure function). */
	s->border[0] = 0;
	for (size_t i = 1, k = 0; i < len; i++) {
		while (k && s->term[i] != s->term[k])
			k = s->border[k - 1];
		if (s->term[i] == s->term[k])
			k++;
		s->border[i] = (uint8_t)k;
	}
	s->matched = 0;
	s->finished = false;
	s->result = (struct sink_result){ .bytes = 0, .crc = 0, .us = 0 };
	return true;
}

/*
 * The bytes of a partial match are held back; when the match breaks, the
 * part of it that can no longer start the terminator is data after all,
 * and it is the terminator's own prefix (the held bytes ARE term[0..m)),
 * so it is counted from term. Plain data between matches is counted in
 * runs, one CRC call per run.
 */
size_t sink_feed(struct sink *s, const uint8_t *bytes, size_t n)
{
	size_t run = 0;

	if (s->finished)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t x = bytes[i];
		if (s->matched == 0 && x != s->term[0])
			continue; /* plain data: stays in the run */
		count(s, bytes + run, i - run);
		run = i + 1;
		while (s->matched && s->term[s->matched] != x) {
			size_t keep = s->border[s->matched - 1];
			count(s, s->term, s->matched - keep);
			s->matched = keep;
		}
		if (s->term[s->matched] != x) {
			count(s, &x, 1);
			continue;
		}
		if (++s->matched == s->term_len) {
			s->finished = true;
			return i + 1;
		}
	}
	count(s, bytes + run, n - run);
	return n;
}

static uint64_t now(const struct sink *s)
{
	return s->mux ? alarm_mux_now(s->mux) : 0;
}

static size_t raw_received(void *ctx, const uint8_t *bytes, size_t n)
{
	struct sink *s = ctx;
	size_t taken = sink_feed(s, bytes, n);

	if (s->finished && s->active) {
		s->active = false;
		s->result.us = s->mux ? alarm_mux_ticks_to_us(s->mux, now(s) - s->started) : 0;
		console_end_raw(s->console);
		deferred_call_set(&s->dc);
	}
	return taken;
}

static void sink_deferred(void *ctx)
{
	struct sink *s = ctx;
	const struct sink_client *client = s->client;

	if (!s->finished || !client)
		return;
	s->client = NULL;
	client->done(client->ctx, &s->result);
}

void sink_init(struct sink *s, struct console *console, struct alarm_mux *mux)
{
	memset(s, 0, sizeof(*s));
	s->console = console;
	s->mux = mux;
	s->raw = (struct console_raw_client){ .ctx = s, .received = raw_received };
	deferred_call_init(&s->dc, "sink");
	deferred_call_register(&s->dc, "sink", sink_deferred, s);
}

int sink_start(struct sink *s, const char *terminator, const struct sink_client *client)
{
	if (s->active || s->client || !client || !sink_reset(s, terminator))
		return -1;
	if (console_read_raw(s->console, &s->raw) != 0)
		return -1;
	s->client = client;
	s->active = true;
	s->started = now(s);
	return 0;
}
