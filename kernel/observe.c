/*
 * Observation of the loop (see observe.h): per-bit routes that time each
 * callback and record the trace.
 */
#include <stddef.h>

#include "observe.h"

#include "arch.h"
#include "loop.h"
#include "pending.h"

/* Histograms are handed out to bits on their first timed callback: a
 * kernel has far fewer bits in use than 64, and the image must stay small
 * (boot/linker.ld). hist_of[bit] is 1 + the pool index, 0 for none yet. */
static struct latency_hist pool[OBSERVE_HISTS];
static unsigned pool_used;
static uint8_t hist_of[PENDING_BITS];
static uint64_t untimed; /* callbacks not timed: the pool was used up */
static const struct latency_hist empty;

static struct observe_loop loops[OBSERVE_MAX_CPUS];
static bool timing_on;

static struct latency_hist *hist_for(unsigned bit)
{
	uint8_t idx = __atomic_load_n(&hist_of[bit], __ATOMIC_ACQUIRE);

	if (idx)
		return &pool[idx - 1];
	unsigned n = __atomic_fetch_add(&pool_used, 1, __ATOMIC_RELAXED);
	if (n >= OBSERVE_HISTS)
		return NULL;
	uint8_t want = (uint8_t)(n + 1);
	/* Another CPU may have given this bit one meanwhile: use that (the
	 * slot taken here stays unused). */
	if (!__atomic_compare_exchange_n(&hist_of[bit], &idx, want, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return &pool[idx - 1];
	return &pool[n];
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The timestamped top halves' entry time of device `bit`, if one came
 * since this loop last used it (0 otherwise: plain top halves, a deferred
 * bit, a service with no new interrupt). Several interrupts before one
 * service leave the last one's stamp. */
static uint64_t fresh_stamp(struct cpu *cpu, struct observe_loop *l, unsigned bit)
{
	if (bit >= CPU_IRQ_STAMPS)
		return 0;
	uint64_t stamp = __atomic_load_n(&cpu->irq_stamp[bit], __ATOMIC_RELAXED);
	if (!stamp || stamp == l->last_stamp[bit])
		return 0;
	l->last_stamp[bit] = stamp;
	return stamp;
}

static void observe_dispatch(unsigned bit, void *ctx)
{
	struct cpu *cpu = arch_this_cpu();
	loop_client_fn client = loop_slot_client_fn(bit);

	if (cpu->id >= OBSERVE_MAX_CPUS) {
		client(ctx);
		return;
	}
	struct observe_loop *l = &loops[cpu->id];
	uint64_t start = arch_cycles();
	/* The loop counts a round once it has ended: the one under way is
	 * the next (1 for the first). */
	uint64_t round = cpu->rounds + 1;
	if (l->round != round) {
		l->round = round;
		l->round_start = start;
		trace_record(cpu, TRACE_ROUND, 0, (uint32_t)round, start);
	}
	uint64_t stamp = fresh_stamp(cpu, l, bit);
	if (stamp)
		trace_record(cpu, TRACE_IRQ, bit, clamp32(start - stamp), start);
	trace_record(cpu, TRACE_BEGIN, bit, clamp32(start - l->round_start), start);
	uint64_t before = pending_peek(cpu);

	l->current_bit = bit;
	l->in_callback = true;
	client(ctx);
	l->in_callback = false;

	uint64_t end = arch_cycles();
	uint64_t after = pending_peek(cpu);
	trace_record(cpu, TRACE_END, bit, 0, end);
	if (trace_recording) {
		/* Bits that became pending while the callback ran: the
		 * deferred calls it set, the interrupts that knocked meanwhile.
		 * A bit that was pending already and was set again leaves no
		 * mark (that is a coalesced set; the counters count it). */
		for (uint64_t fresh = after & ~before; fresh; fresh &= fresh - 1)
			trace_record(cpu, TRACE_FRESH, (unsigned)__builtin_ctzll(fresh), bit, end);
	}
	if (!timing_on)
		return;
	struct latency_hist *h = hist_for(bit);
	if (h)
		latency_hist_add(h, end - (stamp ? stamp : l->round_start));
	else
		untimed++;
	l->callbacks++;
	if (!l->have_longest || end - start > l->longest) {
		l->longest = end - start;
		l->longest_bit = bit;
		l->have_longest = true;
	}
}

/* One route per bit, so that the route knows its bit while the loop's
 * table keeps each bit's own ctx (see loop_set_route). */
#define ROUTE(n)                               \
	static void observe_bit_##n(void *ctx) \
	{                                      \
		observe_dispatch(n, ctx);      \
	}
#define ROUTE8(a, b, c, d, e, f, g, h) \
	ROUTE(a) ROUTE(b) ROUTE(c) ROUTE(d) ROUTE(e) ROUTE(f) ROUTE(g) ROUTE(h)
ROUTE8(0, 1, 2, 3, 4, 5, 6, 7)
ROUTE8(8, 9, 10, 11, 12, 13, 14, 15)
ROUTE8(16, 17, 18, 19, 20, 21, 22, 23)
ROUTE8(24, 25, 26, 27, 28, 29, 30, 31)
ROUTE8(32, 33, 34, 35, 36, 37, 38, 39)
ROUTE8(40, 41, 42, 43, 44, 45, 46, 47)
ROUTE8(48, 49, 50, 51, 52, 53, 54, 55)
ROUTE8(56, 57, 58, 59, 60, 61, 62, 63)

#define NAME8(a, b, c, d, e, f, g, h)                                                        \
	observe_bit_##a, observe_bit_##b, observe_bit_##c, observe_bit_##d, observe_bit_##e, \
		observe_bit_##f, observe_bit_##g, observe_bit_##h
static const loop_client_fn routes[PENDING_BITS] = {
	NAME8(0, 1, 2, 3, 4, 5, 6, 7),         NAME8(8, 9, 10, 11, 12, 13, 14, 15),
	NAME8(16, 17, 18, 19, 20, 21, 22, 23), NAME8(24, 25, 26, 27, 28, 29, 30, 31),
	NAME8(32, 33, 34, 35, 36, 37, 38, 39), NAME8(40, 41, 42, 43, 44, 45, 46, 47),
	NAME8(48, 49, 50, 51, 52, 53, 54, 55), NAME8(56, 57, 58, 59, 60, 61, 62, 63),
};

void observe_note_events_now(uint32_t n)
{
	struct cpu *cpu = arch_this_cpu();
	if (cpu->id >= OBSERVE_MAX_CPUS || !loops[cpu->id].in_callback)
		return;
	trace_record(cpu, TRACE_EVENTS, loops[cpu->id].current_bit, n, arch_cycles());
}

static void observe_sleep(struct cpu *cpu, bool waking)
{
	trace_record(cpu, waking ? TRACE_WAKE : TRACE_SLEEP, 0, 0, arch_cycles());
}

static void update_routes(void)
{
	bool tracing = trace_is_on();

	loop_set_route(timing_on || tracing ? routes : NULL);
	loop_set_sleep_observer(tracing ? observe_sleep : NULL);
}

void observe_set_timing(bool on)
{
	timing_on = on;
	update_routes();
}

bool observe_timing_is_on(void)
{
	return timing_on;
}

void observe_set_trace(bool on)
{
	trace_set_on(on);
	update_routes();
}

const struct latency_hist *observe_latency(unsigned bit)
{
	if (bit >= PENDING_BITS)
		return NULL;
	uint8_t idx = __atomic_load_n(&hist_of[bit], __ATOMIC_ACQUIRE);
	return idx ? &pool[idx - 1] : &empty;
}

uint64_t observe_untimed(void)
{
	return untimed;
}

const struct observe_loop *observe_loop(unsigned cpu_id)
{
	return cpu_id < OBSERVE_MAX_CPUS ? &loops[cpu_id] : NULL;
}

void observe_reset(void)
{
	for (unsigned i = 0; i < OBSERVE_HISTS; i++)
		latency_hist_reset(&pool[i]);
	untimed = 0;
	/* Not the round under way: the callback that asked for the reset
	 * (`stats reset`) is still in it and measures from its start. */
	for (unsigned i = 0; i < OBSERVE_MAX_CPUS; i++) {
		loops[i].callbacks = 0;
		loops[i].longest = 0;
		loops[i].have_longest = false;
	}
}

void observe_reset_for_test(void)
{
	observe_reset();
	for (unsigned i = 0; i < OBSERVE_MAX_CPUS; i++)
		loops[i] = (struct observe_loop){ .round = 0 };
}
