/* busy (see busy.h): long callbacks on purpose. */
#include "capsules/lab/busy.h"
#include "kernel/log.h"
#include "kernel/string.h"

/* The logging burn: log lines one after another until the end, so that
 * the watchdog's tick most likely lands while one is being written
 * (kernel/log.c's re-entrancy guard; `busy` then says how many writes the
 * log held). */
static uint64_t burn_logging(struct busy *b, uint64_t end)
{
	uint64_t t, lines = 0;

	while ((int64_t)((t = alarm_mux_now(b->mux)) - end) < 0)
		log_info("busy: line %llu of burn %llu", (unsigned long long)++lines,
			 (unsigned long long)b->st.burns + 1);
	b->st.lines_logged += lines;
	return t;
}

/* The whole point: this callback does not return for burn_ticks. */
static void burn(void *ctx)
{
	struct busy *b = ctx;

	if (!b->st.left)
		return;
	uint64_t start = alarm_mux_now(b->mux);
	uint64_t end = start + b->burn_ticks;
	uint64_t t;
	if (b->logging)
		t = burn_logging(b, end);
	else
		while ((int64_t)((t = alarm_mux_now(b->mux)) - end) < 0)
			;
	uint64_t us = alarm_mux_ticks_to_us(b->mux, t - start);
	if (us > b->st.longest_us)
		b->st.longest_us = us;
	b->st.burns++;
	if (--b->st.left == 0) {
		b->st.running = false;
		return;
	}
	alarm_set_oneshot(b->mux, &b->gap, b->gap_ticks);
}

static void gap_over(void *ctx, struct alarm *a)
{
	struct busy *b = ctx;

	(void)a;
	deferred_call_set(&b->dc);
}

void busy_init(struct busy *b, struct alarm_mux *mux)
{
	memset(b, 0, sizeof(*b));
	b->mux = mux;
	alarm_init(&b->gap, "busy gap", gap_over, b);
	deferred_call_init(&b->dc, "busy");
	deferred_call_register(&b->dc, "busy", burn, b);
	b->may_log = true;
}

void busy_init_on_cpu(struct busy *b, struct alarm_mux *mux, const struct busy *boot)
{
	memset(b, 0, sizeof(*b));
	b->mux = mux;
	alarm_init(&b->gap, "busy gap", gap_over, b);
	deferred_call_join(&b->dc, &boot->dc, "busy", burn, b);
}

int busy_start_logging(struct busy *b, uint64_t ms, uint64_t times, uint64_t gap_ms)
{
	if (!b->may_log)
		return -1;
	if (busy_start(b, ms, times, gap_ms) < 0)
		return -1;
	b->logging = true;
	return 0;
}

int busy_start(struct busy *b, uint64_t ms, uint64_t times, uint64_t gap_ms)
{
	b->logging = false;
	if (ms < 1 || ms > BUSY_MAX_MS || times < 1 || times > BUSY_MAX_TIMES ||
	    gap_ms > BUSY_MAX_MS)
		return -1;
	alarm_cancel(b->mux, &b->gap);
	b->burn_ticks = alarm_mux_ms_to_ticks(b->mux, ms);
	b->gap_ticks = alarm_mux_ms_to_ticks(b->mux, gap_ms);
	b->st.ms = ms;
	b->st.gap_ms = gap_ms;
	b->st.left = times;
	b->st.running = true;
	deferred_call_set(&b->dc);
	return 0;
}

void busy_stop(struct busy *b)
{
	alarm_cancel(b->mux, &b->gap);
	b->st.left = 0;
	b->st.running = false;
}

void busy_get_status(const struct busy *b, struct busy_status *out)
{
	*out = b->st;
}
