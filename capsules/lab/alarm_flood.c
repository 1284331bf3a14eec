/* alarm flood (see alarm_flood.h). */
#include "capsules/lab/alarm_flood.h"
#include "kernel/string.h"

uint32_t alarm_flood_next(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void finish(struct alarm_flood *f)
{
	f->running = false;
	alarm_cancel(f->mux, &f->watchdog);
	f->result.span_us = alarm_mux_ticks_to_us(f->mux, f->last_fire_at - f->set_at);
	deferred_call_set(&f->dc);
}

static void fired(void *ctx, struct alarm *a)
{
	struct alarm_flood_entry *e = ctx;
	struct alarm_flood *f = e->flood;
	struct alarm_flood_result *r = &f->result;
	uint64_t now = alarm_mux_now(f->mux);

	if (!f->running)
		return; /* late, after the watchdog gave up: counted as missing */
	if (r->order_len < sizeof(f->order) / sizeof(f->order[0]))
		f->order[r->order_len++] = (uint16_t)(e - f->entries);
	if (e->fired++) {
		r->twice++;
	} else {
		r->fired++;
	}
	uint64_t served = alarm_read(f->mux, a)->last_deadline;
	if (r->fired + r->twice > 1 && (int64_t)(served - f->last_deadline) < 0)
		r->out_of_order++;
	f->last_deadline = served;
	f->last_fire_at = now;
	uint64_t late = alarm_mux_ticks_to_us(f->mux, now - served);
	if (late > r->max_late_us)
		r->max_late_us = late;
	if (r->fired == r->count)
		finish(f);
}

static void watchdog(void *ctx, struct alarm *a)
{
	struct alarm_flood *f = ctx;

	(void)a;
	if (!f->running)
		return;
	f->result.missing = f->result.count - f->result.fired;
	for (unsigned i = 0; i < f->result.count; i++)
		alarm_cancel(f->mux, &f->entries[i].alarm);
	finish(f);
}

uint64_t alarm_flood_deadline_us(const struct alarm_flood *f, unsigned index)
{
	if (index >= ALARM_FLOOD_MAX)
		return 0;
	return alarm_mux_ticks_to_us(f->mux, f->entries[index].deadline - f->set_at);
}

static void report(void *ctx)
{
	struct alarm_flood *f = ctx;
	const struct alarm_flood_client *client = f->client;

	if (f->running || !client)
		return;
	f->client = NULL;
	client->done(client->ctx, &f->result);
}

void alarm_flood_init(struct alarm_flood *f, struct alarm_mux *mux)
{
	memset(f, 0, sizeof(*f));
	f->mux = mux;
	alarm_init(&f->watchdog, "alarm flood watchdog", watchdog, f);
	deferred_call_init(&f->dc, "alarm_flood");
	deferred_call_register(&f->dc, "alarm_flood", report, f);
}

int alarm_flood_start(struct alarm_flood *f, unsigned count, unsigned max_ms, uint32_t seed,
		      const struct alarm_flood_client *client)
{
	if (f->running || f->client || !client || count < 1 || count > ALARM_FLOOD_MAX ||
	    max_ms < 1 || max_ms > ALARM_FLOOD_MAX_MS)
		return -1;
	f->client = client;
	f->running = true;
	f->result = (struct alarm_flood_result){ .count = count, .order = f->order };
	f->set_at = f->last_fire_at = alarm_mux_now(f->mux);
	uint32_t x = seed ? seed : 1;
	for (unsigned i = 0; i < count; i++) {
		struct alarm_flood_entry *e = &f->entries[i];
		x = alarm_flood_next(x);
		e->flood = f;
		e->fired = 0;
		e->delay_ms = 1 + x % max_ms;
		alarm_init(&e->alarm, "alarm flood", fired, e);
		alarm_set_oneshot(f->mux, &e->alarm, alarm_mux_ms_to_ticks(f->mux, e->delay_ms));
		e->deadline = e->alarm.deadline;
	}
	f->result.set_us = alarm_mux_ticks_to_us(f->mux, alarm_mux_now(f->mux) - f->set_at);
	alarm_set_oneshot(f->mux, &f->watchdog,
			  alarm_mux_ms_to_ticks(f->mux, max_ms + ALARM_FLOOD_GRACE_MS));
	return 0;
}
