/* The bake-off's in-guest workload (see bakeoff_load.h). */
#include "capsules/lab/bakeoff_load.h"
#include "kernel/log.h"
#include "kernel/string.h"

static uint64_t interrupt_cycles(const struct bakeoff_load *l)
{
	return l->hooks.interrupt_cycles ? l->hooks.interrupt_cycles(l->hooks.ctx) : 0;
}

/* One unit of the burn's computation: a fixed number of xorshift steps
 * whose result is kept, so the compiler cannot drop them. */
static uint32_t burn_unit(uint32_t x)
{
	for (unsigned i = 0; i < BAKEOFF_UNIT_STEPS; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	return x;
}

/* The burn's loop: units until the clock reaches `end`, each with its
 * clock read and its count. Returns the clock it stopped at. */
static uint64_t burn_until(struct bakeoff_load *l, uint64_t end, uint32_t *x)
{
	uint64_t t;

	while ((int64_t)((t = alarm_mux_now(l->mux)) - end) < 0) {
		*x = burn_unit(*x);
		l->burn_units++;
	}
	return t;
}

/* A unit's length as the burn's own loop runs it (burn_until(): the
 * computation, the clock read, the count): 1 ms of units, their time over
 * their number, the shortest of four runs (an interrupt only lengthens
 * one). Timed with its own bookkeeping around each unit instead, it came
 * out 4 instructions long (728 for 724): the host load's burns then
 * claimed more work than the CPU was busy for. */
static uint64_t measure_unit(struct bakeoff_load *l)
{
	uint64_t best = UINT64_MAX;
	uint64_t span = alarm_mux_ms_to_ticks(l->mux, 1);
	uint32_t x = 1;

	for (unsigned run = 0; run < 4; run++) {
		uint64_t units = l->burn_units;
		uint64_t start = alarm_mux_now(l->mux);
		uint64_t t = burn_until(l, start + span, &x);
		units = l->burn_units - units;
		if (units && (t - start) / units < best)
			best = (t - start) / units;
	}
	l->burn_units = 0;
	l->burn_state = x;
	return best;
}

static void check_finished(struct bakeoff_load *l)
{
	if (l->flood_done && l->sink_done && !l->finished) {
		l->finished = alarm_mux_now(l->mux);
		if (l->hooks.finished)
			l->hooks.finished(l->hooks.ctx);
		alarm_cancel(l->mux, &l->gap);
		log_info("bakeoff: load finished: %llu long callbacks, alarms %u of %u fired",
			 (unsigned long long)l->burns, l->flood.result.fired,
			 l->flood.result.count);
	}
}

/* The long callback: nothing else runs on this CPU's loop meanwhile.
 * Split, one slice of it, and the deferred call again for the next. */
static void load_burn(void *ctx)
{
	struct bakeoff_load *l = ctx;
	uint64_t irq_before = interrupt_cycles(l);
	uint64_t start = alarm_mux_now(l->mux);
	uint64_t end = start + (l->slice_each ? l->slice_each : l->burn_each);
	uint64_t t;
	uint32_t x = (uint32_t)l->burns | 1;

	/* Finished: the figures cover [started, finished], and stay as they
	 * were then however long the host takes to stop the guest (a split
	 * burn would otherwise go on slicing). */
	if (l->finished) {
		l->burn_left = 0;
		return;
	}
	if (l->slice_each && !l->burn_left)
		l->burn_left = BAKEOFF_BURN_MS / BAKEOFF_SLICE_MS;
	if (l->hooks.long_work)
		l->hooks.long_work(l->hooks.ctx, true);
	t = burn_until(l, end, &x);
	if (l->hooks.long_work)
		l->hooks.long_work(l->hooks.ctx, false);
	l->burn_state ^= x;
	l->burn_cycles += t - start;
	l->burn_irq_cycles += interrupt_cycles(l) - irq_before;
	if (l->slice_each && --l->burn_left) {
		deferred_call_set(&l->burn_dc);
		return;
	}
	l->burns++;
	if (!l->finished)
		alarm_set_oneshot(l->mux, &l->gap, l->gap_each);
}

static void gap_over(void *ctx, struct alarm *a)
{
	struct bakeoff_load *l = ctx;

	(void)a;
	deferred_call_set(&l->burn_dc);
}

static void flood_done(void *ctx, const struct alarm_flood_result *r)
{
	struct bakeoff_load *l = ctx;

	l->flood_done = 1;
	log_info("bakeoff: alarms: %u set, %u fired, %u twice, %u out of order, %u missing",
		 r->count, r->fired, r->twice, r->out_of_order, r->missing);
	check_finished(l);
}

static void sink_done(void *ctx, const struct sink_result *r)
{
	struct bakeoff_load *l = ctx;

	l->sink_bytes = r->bytes;
	l->sink_crc = r->crc;
	l->sink_done = 1;
	log_info("bakeoff: sink: %llu bytes, crc32 %08x", (unsigned long long)r->bytes,
		 (unsigned)r->crc);
	check_finished(l);
}

static void settled(void *ctx, struct alarm *a)
{
	struct bakeoff_load *l = ctx;

	(void)a;
	if (l->hooks.started)
		l->hooks.started(l->hooks.ctx);
	l->started = alarm_mux_now(l->mux);
	if (alarm_flood_start(&l->flood, BAKEOFF_ALARMS, BAKEOFF_ALARM_MAX_MS, BAKEOFF_ALARM_SEED,
			      &l->flood_client) != 0)
		log_warn("bakeoff: the alarm flood did not start");
	if (l->external_serial)
		sink_reset(&l->sink, BAKEOFF_TERMINATOR);
	else if (sink_start(&l->sink, BAKEOFF_TERMINATOR, &l->sink_client) != 0)
		log_warn("bakeoff: the serial sink did not start (is the console read raw?)");
	alarm_set_oneshot(l->mux, &l->gap, l->gap_each);
	log_info("bakeoff: load started: %u alarms over %u ms, a %u ms callback every %u ms, "
		 "sink until '%s'",
		 BAKEOFF_ALARMS, BAKEOFF_ALARM_MAX_MS, BAKEOFF_BURN_MS, BAKEOFF_BURN_GAP_MS,
		 BAKEOFF_TERMINATOR);
}

void bakeoff_load_init(struct bakeoff_load *l, struct alarm_mux *mux, struct console *console,
		       const struct bakeoff_load_hooks *hooks)
{
	memset(l, 0, sizeof(*l));
	l->mux = mux;
	if (hooks)
		l->hooks = *hooks;
	l->burn_each = alarm_mux_ms_to_ticks(mux, BAKEOFF_BURN_MS);
	l->gap_each = alarm_mux_ms_to_ticks(mux, BAKEOFF_BURN_GAP_MS);
	l->unit_cycles = measure_unit(l);
	alarm_init(&l->settle, "bakeoff settle", settled, l);
	alarm_init(&l->gap, "bakeoff gap", gap_over, l);
	deferred_call_init(&l->burn_dc, "bakeoff");
	deferred_call_register(&l->burn_dc, "bakeoff", load_burn, l);
	alarm_flood_init(&l->flood, mux);
	l->flood_client = (struct alarm_flood_client){ .ctx = l, .done = flood_done };
	sink_init(&l->sink, console, mux);
	l->sink_client = (struct sink_client){ .ctx = l, .done = sink_done };
}

void bakeoff_load_external_serial(struct bakeoff_load *l)
{
	l->external_serial = true;
}

void bakeoff_load_serial(struct bakeoff_load *l, const uint8_t *bytes, size_t n)
{
	if (!l->external_serial || !l->started || l->sink_done)
		return;
	sink_feed(&l->sink, bytes, n);
	if (l->sink.finished)
		sink_done(l, &l->sink.result);
}

void bakeoff_load_split(struct bakeoff_load *l)
{
	l->slice_each = alarm_mux_ms_to_ticks(l->mux, BAKEOFF_SLICE_MS);
}

void bakeoff_load_start(struct bakeoff_load *l)
{
	alarm_set_oneshot(l->mux, &l->settle, alarm_mux_ms_to_ticks(l->mux, BAKEOFF_SETTLE_MS));
}
