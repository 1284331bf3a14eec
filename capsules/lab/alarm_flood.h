/*
 * alarm flood: sets many one-shot alarms at once and checks that each
 * fires exactly once, in deadline order (the shell's `alarmflood`; the
 * timer flood test).
 *
 * Alarm i (0 <= i < count) gets the delay
 *
 *	x = xorshift32(x);  delay_ms[i] = 1 + x % max_ms
 *
 * with x starting at `seed` (xorshift32: x ^= x << 13; x ^= x >> 17;
 * x ^= x << 5; a seed of 0 is taken as 1), so a test can compute the same
 * delays and the order they must fire in. All are set in one callback, in
 * index order; each deadline is the mux's "now" at its set plus its
 * delay, so alarms with equal delays fire in index order. Setting them all
takes a while (set_us: milliseconds under TCG), so a later alarm with a
shorter delay may be due after an earlier one with a longer delay: the
order to check is by deadline, which alarm_flood_deadline_us() reports
(its delay plus when it was set, from the start of the flood).
 *
 * Each firing is checked against the one before it: its deadline must not
 * be earlier (out_of_order otherwise) and the alarm must not have fired
 * before (twice). The firing order is kept (order[]), and when all have
 * fired, or a watchdog alarm (max_ms + ALARM_FLOOD_GRACE_MS) finds some
 * missing, the client gets the result from the flood's deferred call.
 */
#ifndef KNOCK_CAPSULES_ALARM_FLOOD_H
#define KNOCK_CAPSULES_ALARM_FLOOD_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/deferred.h"

#define ALARM_FLOOD_MAX 256
#define ALARM_FLOOD_MAX_MS 60000u
#define ALARM_FLOOD_GRACE_MS 1000u

struct alarm_flood;

struct alarm_flood_entry {
	struct alarm alarm;
	struct alarm_flood *flood;
	uint32_t delay_ms;
	uint32_t fired;
	uint64_t deadline; /* as the mux set it */
};

struct alarm_flood_result {
	unsigned count;        /* alarms set */
	unsigned fired;        /* distinct alarms that fired */
	unsigned twice;        /* firings of an alarm that had fired already */
	unsigned out_of_order; /* firings with a deadline before the previous one's */
	unsigned missing;      /* alarms that had not fired at the watchdog */
	uint64_t max_late_us;  /* worst (firing time - deadline) */
	uint64_t set_us;       /* setting them all took this long */
	uint64_t span_us;      /* from setting them to the last firing */
	const uint16_t *order; /* alarm indexes in firing order (fired + twice of them) */
	unsigned order_len;
};

struct alarm_flood_client {
	void *ctx;
	void (*done)(void *ctx, const struct alarm_flood_result *r);
};

struct alarm_flood {
	struct alarm_mux *mux;
	struct alarm_flood_entry entries[ALARM_FLOOD_MAX];
	struct alarm watchdog;
	struct deferred_call dc;
	const struct alarm_flood_client *client;
	bool running;
	uint64_t set_at, last_fire_at, last_deadline;
	uint16_t order[2 * ALARM_FLOOD_MAX];
	struct alarm_flood_result result;
};

/* Declares the deferred call. */
void alarm_flood_init(struct alarm_flood *f, struct alarm_mux *mux);
/* Set `count` alarms (1..ALARM_FLOOD_MAX), delays 1..max_ms
 * (max_ms <= ALARM_FLOOD_MAX_MS). Returns 0, or -1 while a flood runs or
 * for arguments out of range. */
int alarm_flood_start(struct alarm_flood *f, unsigned count, unsigned max_ms, uint32_t seed,
		      const struct alarm_flood_client *client);
/* The generator above, for tests and the shell. */
uint32_t alarm_flood_next(uint32_t x);
/* Alarm `index`'s deadline, in microseconds from the start of the flood. */
uint64_t alarm_flood_deadline_us(const struct alarm_flood *f, unsigned index);

#endif
