/*
 * heartbeat (see heartbeat.h): one periodic alarm, one deferred call, one
 * client in a map_cell. docs/capsules.md walks through this file.
 */
#include "capsules/heartbeat.h"
#include "kernel/fmt.h"

/* The longest beat line: the fixed text, three 20-digit counters, the
 * milliseconds and a 4-digit period. Checked here so the line is never cut. */
_Static_assert(HEARTBEAT_LINE_MAX >=
		       sizeof("heartbeat : up . s (every  s, missed )\n") + (size_t)3 * 20 + 3 + 4,
	       "HEARTBEAT_LINE_MAX cannot hold the longest beat line");

/* --- calling the client ------------------------------------------------ */

/* map_cell_map() callbacks: `contents` is the client, if there is one. */

static void call_beat(void *contents, void *arg)
{
	struct heartbeat_client *client = contents;
	const struct heartbeat *hb = arg;

	if (client->beat)
		client->beat(client->ctx, hb->line, hb->line_len);
}

static void call_changed(void *contents, void *arg)
{
	struct heartbeat_client *client = contents;

	if (client->changed)
		client->changed(client->ctx, arg);
}

/* --- the two ways in from the loop ------------------------------------- */

/* The alarm fired: the loop called the alarm mux for the timer's bit, and
 * the mux called us. Already a callback from the loop, so the client is
 * called right here. */
static void beat(void *ctx, struct alarm *alarm)
{
	struct heartbeat *hb = ctx;
	const struct alarm *a = alarm_read(hb->mux, alarm);
	uint64_t ms = alarm_mux_ticks_to_us(hb->mux, alarm_mux_now(hb->mux)) / 1000;
	int n;

	n = ksnprintf(hb->line, sizeof(hb->line),
		      "heartbeat %llu: up %llu.%03llu s (every %u s, missed %llu)\n",
		      (unsigned long long)a->fired, (unsigned long long)(ms / 1000),
		      (unsigned long long)(ms % 1000), hb->period_s, (unsigned long long)a->missed);
	hb->line_len = n > 0 ? (size_t)n : 0;
	map_cell_map(&hb->client, call_beat, hb);
}

/* The deferred call: report the state as it is now, once for however many
 * starts and stops came since the last report. */
static void report(void *ctx)
{
	struct heartbeat *hb = ctx;
	struct heartbeat_status st;

	hb->stats.reports++;
	heartbeat_get_status(hb, &st);
	map_cell_map(&hb->client, call_changed, &st);
}

/* --- the capsule's interface ------------------------------------------- */

void heartbeat_init(struct heartbeat *hb, struct alarm_mux *mux)
{
	*hb = (struct heartbeat){ .mux = mux };
	alarm_init(&hb->alarm, "heartbeat", beat, hb);
	deferred_call_init(&hb->report, "heartbeat");
	deferred_call_register(&hb->report, "heartbeat", report, hb);
}

void heartbeat_set_client(struct heartbeat *hb, struct heartbeat_client *client)
{
	map_cell_put(&hb->client, client);
}

int heartbeat_start(struct heartbeat *hb, unsigned period_s)
{
	if (period_s == 0 || period_s > HEARTBEAT_MAX_PERIOD_S) {
		hb->stats.refused++;
		return -1;
	}
	/* A fresh alarm, so its fired and missed counters count this run
	 * (alarm_init() is allowed only on an alarm that is not armed). */
	alarm_cancel(hb->mux, &hb->alarm);
	alarm_init(&hb->alarm, "heartbeat", beat, hb);
	alarm_set_periodic(hb->mux, &hb->alarm,
			   alarm_mux_ms_to_ticks(hb->mux, (uint64_t)period_s * 1000));
	hb->period_s = period_s;
	hb->stats.requests++;
	deferred_call_set(&hb->report);
	return 0;
}

void heartbeat_stop(struct heartbeat *hb)
{
	/* If this was the last alarm, the mux disarms the hardware: an idle
	 * CPU then takes no timer interrupt at all (tickless). */
	alarm_cancel(hb->mux, &hb->alarm);
	hb->period_s = 0;
	hb->stats.requests++;
	deferred_call_set(&hb->report);
}

void heartbeat_get_status(const struct heartbeat *hb, struct heartbeat_status *out)
{
	const struct alarm *a = alarm_read(hb->mux, &hb->alarm);

	*out = (struct heartbeat_status){
		.on = hb->period_s != 0,
		.period_s = hb->period_s,
		.beats = a->fired,
		.missed = a->missed,
	};
}
