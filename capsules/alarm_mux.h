/*
 * alarm mux: any number of virtual alarms over one hardware alarm.
 *
 * The chip gives each CPU a single hardware alarm (kernel/hil/alarm.h): a
 * free-running 64-bit tick counter and one deadline register. Capsules want
 * many alarms, one-shot and periodic. This capsule keeps every armed alarm
 * in a set ordered by deadline and keeps the hardware holding the nearest
 * deadline; when that deadline passes the hardware knocks (the timer's
 * pending bit) and the loop calls alarm_mux_service(), which fires what is
 * due and arms the hardware for what comes next.
 *
 * Using it
 * --------
 *	struct my_capsule { struct alarm blink; ... };
 *
 *	alarm_init(&c->blink, "blink", blink_fired, c);
 *	alarm_set_periodic(mux, &c->blink, alarm_mux_ms_to_ticks(mux, 500));
 *	...
 *	static void blink_fired(void *ctx, struct alarm *a) { ... }
 *
 * The board creates one mux per CPU and gives it the timer bit:
 *
 *	alarm_mux_init(&mux, &lapic_alarm);
 *	loop_set_client(BIT_TIMER, "alarm_mux", alarm_mux_service, &mux);
 *
 * Intrusive, no capacity, no allocation
 * -------------------------------------
 * `struct alarm` lives inside its client's state and carries the mux's
 * links itself, so the mux has no table to fill up and never allocates.
 * The links are the mux's private business: clients read the public fields
 * (name, deadline, period, fired, missed, armed) and change an alarm only
 * through the functions below. In an alarm's own callback, read them
 * through alarm_read() (see "Service rounds"). Never alarm_init() or free
 * an armed alarm (cancel it first), nor an alarm inside its own callback:
 * the mux still holds it there, to count its firing after the callback.
 *
 * Ordering
 * --------
 * Alarms fire in deadline order; alarms with equal deadlines fire in the
 * order they were set (each set takes the next number of a 64-bit sequence
 * counter, the tie-break). The earliest alarm is kept apart (the head) and
 * the others in an intrusive AVL tree keyed by (deadline, sequence); see
 * alarm_mux.c for why a balanced tree rather than a heap. Insert and remove
 * are O(log n) worst case; the alarm that knocked leaves the mux in O(1)
 * and its client runs before any O(log n) work (see "Service rounds").
 *
 * Time and wrap-around
 * --------------------
 * Deadlines are values of the hardware counter, in ticks
 * (hil_alarm.ticks_per_second of them per second). They are compared with
 * wrap-around-safe arithmetic, `(int64_t)(a - b) < 0`, so an alarm set just
 * before the counter wraps at 2^64 still fires after one set just after.
 * That comparison is an order only among values less than 2^63 apart, so
 * delays and periods are capped at ALARM_MUX_MAX_DELAY (2^62 - 1 ticks,
 * about 48 years at 3 GHz): a larger value is silently capped.
 *
 * One-shot alarms
 * ---------------
 * alarm_set_oneshot(m, a, delay): deadline = now + delay. It fires once
 * and is then unarmed (alarm_is_armed() is false in its callback), so the
 * callback may set it again.
 *
 * Periodic alarms, no drift
 * -------------------------
 * alarm_set_periodic(m, a, period): first deadline = now + period; after
 * each firing the next deadline is the previous deadline + period, never
 * "now + period", so lateness of the loop never accumulates: the k-th
 * deadline is exactly start + k * period.
 *
 * When the loop was so late that one or more later grid points have also
 * passed (lateness >= period), the alarm fires ONCE for all of them, the
 * skipped grid points are added to a->missed (and to the mux's missed
 * counter), and the alarm continues on the original grid at the first grid
 * point after the service's `now`. Firing once instead of once per missed
 * period is deliberate: a burst of catch-up callbacks would make the loop
 * later still, and clients that need the exact count read a->missed.
 * After each firing, fired + missed == the number of grid points before
 * the alarm's next deadline.
 * A period of 0 would fire forever; it is taken as 1 tick and a warning is
 * logged.
 *
 * Service rounds
 * --------------
 * alarm_mux_service() reads the clock once (`now`) and fires, in deadline
 * order, every alarm whose deadline <= now and that was set before the
 * round began. Each alarm fires at most once per round: a periodic alarm's
 * next deadline is always after `now`, and an alarm (re)set by a callback
 * during the round waits for the next round, even with delay 0. If callbacks
 * took so long that such an alarm is already due when the round ends, the
 * hardware is armed with a deadline in the past, so it knocks at once and
 * the next round fires it: other pending bits get their turn in between.
 *
 * The alarm that knocked leaves the mux in O(1) and its callback runs
 * before any other work: the alarm's own bookkeeping (a->fired,
 * a->last_deadline, a one-shot's a->armed, a periodic alarm's next
 * deadline and a->missed), the counters (stats.fired, max_lateness), the
 * next alarm taken out of the tree, a periodic alarm put back on its grid
 * and the hardware armed come after it returns. The callback still sees
 * its alarm as if the bookkeeping had run first: the mux does it at the
 * callback's first call into the mux, and alarm_read() and
 * alarm_is_armed() are such calls. Only a raw read of the alarm's fields
 * in its own callback sees them from before the firing.
 *
 * Callbacks may set, re-arm and cancel any alarm, their own included: a
 * cancelled alarm that was due later in the same round does not fire. The
 * hardware is updated once, at the end of the round. Callbacks must not
 * call alarm_mux_service() themselves (it panics when the callback
 * returns).
 *
 * Re-arming an armed alarm moves it (it is removed, then inserted with the
 * new deadline and a new sequence number). Cancelling an unarmed alarm does
 * nothing. Counters a->fired and a->missed count over the alarm's whole
 * life since alarm_init().
 *
 * Concurrency
 * -----------
 * None needed: a mux belongs to one CPU and is used only from that CPU's
 * loop (its clients' callbacks and the service), so it takes no lock. Each
 * CPU that wants alarms gets its own mux over its own hardware alarm.
 *
 * Tickless
 * --------
 * Outside a service round, every set or cancel that changes the earliest
 * deadline calls hw->arm() with the new one; removing the last alarm calls
 * hw->disarm(), so an idle CPU with no alarm takes no timer interrupt at
 * all. A set or cancel that leaves the earliest deadline as it was touches
 * no hardware. At the end of each service round the hardware is armed with
 * the earliest deadline (the one-shot that knocked is spent) or disarmed.
 * The counters hw_arms and hw_disarms let tests and `stats` check that.
 *
 * Listing
 * -------
 * alarm_mux_foreach() walks the armed alarms in deadline order (for the
 * shell's `alarms` command). The walk finds each next alarm by key, so the
 * callback may cancel or re-arm alarms, including the one it was given;
 * alarms (re)set during the walk are not visited.
 */
#ifndef KNOCK_CAPSULES_ALARM_MUX_H
#define KNOCK_CAPSULES_ALARM_MUX_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/alarm.h"

/* Largest delay or period, in ticks (see "Time and wrap-around"). */
#define ALARM_MUX_MAX_DELAY ((UINT64_C(1) << 62) - 1)

struct alarm;
typedef void (*alarm_fired_fn)(void *ctx, struct alarm *a);

struct alarm {
	/* Private to the mux: AVL tree links and the tie-break key. */
	struct alarm *left, *right;
	int height;
	uint64_t seq;

	/* Public, read-only for clients. */
	const char *name;
	alarm_fired_fn fired_fn;
	void *ctx;
	bool armed;
	/* The next deadline while armed (a value of hw->now()). */
	uint64_t deadline;
	/* 0 for a one-shot alarm. */
	uint64_t period;
	/* The deadline this alarm last fired for: in a callback, the deadline
	 * being served (a->deadline already holds a periodic alarm's next). */
	uint64_t last_deadline;
	/* Times the callback ran, and grid points skipped (periodic only). */
	uint64_t fired;
	uint64_t missed;
};

struct alarm_mux_stats {
	uint64_t armed;        /* alarms armed now */
	uint64_t fired;        /* callbacks run, all alarms */
	uint64_t missed;       /* periodic grid points skipped, all alarms */
	uint64_t rounds;       /* alarm_mux_service() calls, counted at their end */
	uint64_t empty_rounds; /* rounds that found nothing due */
	uint64_t max_lateness; /* worst (now - deadline) at firing, ticks */
	uint64_t hw_arms;      /* hw->arm() calls */
	uint64_t hw_disarms;   /* hw->disarm() calls */
};

struct alarm_mux {
	/* Private. */
	const struct hil_alarm *hw;
	/* hw->now and hw->hw, copied: the service reads the clock first
	 * thing, and this saves it following the hw pointer. */
	uint64_t (*now_fn)(void *hw);
	void *now_hw;
	struct alarm *head;   /* the earliest alarm, kept out of the tree */
	struct alarm *root;   /* the other armed alarms, all after the head */
	struct alarm *firing; /* the alarm whose client runs now, unsettled */
	struct alarm *served; /* settled periodic alarm, back after its client */
	uint64_t next_seq;
	bool in_service;
	uint32_t round_fired; /* alarms fired so far in this service round */
	uint64_t round_seq;   /* the first seq set during the round (else UINT64_MAX) */
	uint64_t round_now;   /* the clock read when the round began */
	/* What the hardware was last told: armed at hw_deadline, or not. */
	bool hw_armed;
	uint64_t hw_deadline;
	/* Public, read-only. */
	struct alarm_mux_stats stats;
};

/* `hw` must outlive the mux; it starts disarmed (the mux calls disarm()). */
void alarm_mux_init(struct alarm_mux *m, const struct hil_alarm *hw);

/* An unarmed alarm that will call fn(ctx, a) when it fires. */
void alarm_init(struct alarm *a, const char *name, alarm_fired_fn fn, void *ctx);

/* Arm (or move) `a`: fire once, `delay_ticks` from now. */
void alarm_set_oneshot(struct alarm_mux *m, struct alarm *a, uint64_t delay_ticks);
/* Arm (or move) `a`: fire at now + k * period_ticks, k = 1, 2, ... */
void alarm_set_periodic(struct alarm_mux *m, struct alarm *a, uint64_t period_ticks);
/* Disarm `a`; nothing happens if it is not armed. */
void alarm_cancel(struct alarm_mux *m, struct alarm *a);

/* `a` with its public fields up to date: in its own callback, the
 * firing's bookkeeping is done first (see "Service rounds"); elsewhere
 * the fields are always current and this only returns `a`. */
const struct alarm *alarm_read(struct alarm_mux *m, const struct alarm *a);

/* Unsettled in its own callback, a one-shot is as good as unarmed and a
 * periodic alarm stays armed. */
static inline bool alarm_is_armed(const struct alarm_mux *m, const struct alarm *a)
{
	return a == m->firing ? a->period != 0 : a->armed;
}

/* The loop client of the timer's pending bit (ctx: the struct alarm_mux). */
void alarm_mux_service(void *mux);

/* The earliest armed alarm (the one the hardware is armed for), or NULL. */
struct alarm *alarm_mux_first(struct alarm_mux *m);

/* Call fn(arg, a) for each armed alarm, in deadline order (see "Listing"). */
void alarm_mux_foreach(struct alarm_mux *m, void (*fn)(void *arg, struct alarm *a), void *arg);

/* The hardware counter, and conversions at its rate. Conversions to ticks
 * saturate at UINT64_MAX (which the set functions then cap). */
uint64_t alarm_mux_now(const struct alarm_mux *m);
uint64_t alarm_mux_ms_to_ticks(const struct alarm_mux *m, uint64_t ms);
uint64_t alarm_mux_us_to_ticks(const struct alarm_mux *m, uint64_t us);
uint64_t alarm_mux_ticks_to_us(const struct alarm_mux *m, uint64_t ticks);

/* In an alarm's callback: the clock as the service round read it, when
 * it found the alarm due (no second read of the clock). */
static inline uint64_t alarm_mux_round_now(const struct alarm_mux *m)
{
	return m->round_now;
}

#endif
