/* storm (see storm.h): an interrupt that re-raises itself until a deadline. */
#include "capsules/lab/storm.h"
#include "kernel/string.h"

void storm_init(struct storm *s, struct alarm_mux *mux, const struct hil_soft_irq *irq)
{
	memset(s, 0, sizeof(*s));
	s->mux = mux;
	s->irq = irq;
}

void storm_service(void *ctx)
{
	struct storm *s = ctx;

	s->services++;
	if (!s->running)
		return; /* a stray raise: nothing to do */
	s->interrupts++;
	uint64_t now = alarm_mux_now(s->mux);
	if ((int64_t)(now - s->end) < 0) {
		s->irq->raise(s->irq->hw);
		return;
	}
	s->running = false;
	struct storm_result r = {
		.interrupts = s->interrupts,
		.us = alarm_mux_ticks_to_us(s->mux, now - s->start),
	};
	if (s->client)
		s->client->done(s->client->ctx, &r);
}

int storm_start(struct storm *s, uint64_t ms, const struct storm_client *client)
{
	if (s->running || ms < 1 || ms > STORM_MAX_MS)
		return -1;
	s->client = client;
	s->running = true;
	s->interrupts = 0;
	s->start = alarm_mux_now(s->mux);
	s->end = s->start + alarm_mux_ms_to_ticks(s->mux, ms);
	/* The first interrupt comes after this call returns (it only
	 * knocks), so the client is never called from inside it. */
	s->irq->raise(s->irq->hw);
	return 0;
}

bool storm_running(const struct storm *s)
{
	return s->running;
}
