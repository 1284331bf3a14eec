/*
 * alarm mux (capsules/alarm_mux.h) over a fake hardware alarm: ordering,
 * FIFO ties, cancel, periodic without drift, missed periods, wrap-around,
 * the hardware always holding the earliest deadline, tickless idle, a
 * 200-alarm stress, and a firing's bookkeeping after its callback (seen
 * settled through the mux from inside the callback, the same either way).
 *
 * The test plays the loop: run_until() moves the fake clock to the armed
 * hardware deadline (plus optional jitter: the loop answering late) and
 * calls alarm_mux_service(), as the timer's pending bit would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_mux.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_log.h"
#include "xorshift.h"

#define TPS UINT64_C(1000000000) /* 1 GHz fake clock */

static struct fake_alarm hw;
static struct alarm_mux mux;

/* --- deterministic randomness (fixed seed, same on every host) -------- */

static uint64_t rng_state;

static uint64_t rnd_below(uint64_t n)
{
	return xorshift64_below(&rng_state, n);
}

/* --- clients and the record of firings -------------------------------- */

struct client;
typedef void (*client_action)(struct client *c);

struct client {
	struct alarm alarm;
	int id;
	uint64_t set_order; /* the test's own FIFO model of the mux's seq */
	uint64_t start;     /* periodic: the time it was set */
	uint64_t last_round;
	uint64_t fired_round; /* round of its latest firing */
	client_action action; /* run inside the callback, if any */
	struct client *other;
};

struct firing {
	int id;
	const struct alarm *alarm;
	uint64_t served;   /* a->last_deadline */
	bool served_later; /* read after the callback returned, unsettled in it */
	uint64_t now;      /* the clock when the callback ran */
	uint64_t round;    /* mux.stats.rounds */
	bool armed;        /* alarm_is_armed() seen from inside the callback */
};

#define MAX_FIRINGS 400000
static struct firing *firings;
static size_t nfirings;
static uint64_t set_counter;

static void client_fired(void *ctx, struct alarm *a)
{
	struct client *c = ctx;

	assert_ptr_equal(a, &c->alarm);
	/* a periodic alarm went back into the mux just before this call,
	 * taking the next place among equal deadlines: follow it */
	if (a->period)
		c->set_order = set_counter++;
	/* the mux's promise: no alarm fires twice in one service round
	 * (stats.rounds counts the rounds that ended: this one is the next) */
	assert_true(c->fired_round < mux.stats.rounds + 1);
	c->fired_round = mux.stats.rounds + 1;
	assert_true(nfirings < MAX_FIRINGS);
	/* Half the clients read their alarm in the callback, which settles
	 * it there; the other half leave it to the service, which settles it
	 * after the callback returns: both must give the same record. */
	firings[nfirings++] = (struct firing){
		.id = c->id,
		.alarm = a,
		.served = c->id % 2 ? alarm_read(&mux, a)->last_deadline : 0,
		.served_later = c->id % 2 == 0,
		.now = hw.now,
		.round = mux.stats.rounds + 1, /* the round under way */
		.armed = alarm_is_armed(&mux, a),
	};
	if (c->action)
		c->action(c);
}

static void client_init(struct client *c, int id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	alarm_init(&c->alarm, "test", client_fired, c);
}

static void set_oneshot(struct client *c, uint64_t delay)
{
	c->set_order = set_counter++;
	alarm_set_oneshot(&mux, &c->alarm, delay);
}

static void set_periodic(struct client *c, uint64_t period)
{
	c->set_order = set_counter++;
	c->start = hw.now;
	alarm_set_periodic(&mux, &c->alarm, period);
}

/* --- invariants -------------------------------------------------------- */

static bool before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* White-box: the AVL tree under the mux is ordered and balanced, its
 * heights are right, and it holds exactly stats.armed armed alarms. */
static int check_subtree(const struct alarm *n, const struct alarm **prev, uint64_t *count)
{
	int lh, rh;

	if (!n)
		return 0;
	lh = check_subtree(n->left, prev, count);
	assert_true(n->armed);
	if (*prev) {
		assert_true(before((*prev)->deadline, n->deadline) ||
			    ((*prev)->deadline == n->deadline && (*prev)->seq < n->seq));
	}
	*prev = n;
	(*count)++;
	rh = check_subtree(n->right, prev, count);
	assert_true(lh - rh <= 1 && rh - lh <= 1);
	assert_int_equal(n->height, 1 + (lh > rh ? lh : rh));
	return n->height;
}

/* The head comes before everything in the tree; outside a service round
 * it is empty only when the tree is, and nothing is being fired. */
static void check_tree(void)
{
	const struct alarm *prev = mux.head;
	uint64_t count = mux.head ? 1 : 0;

	if (mux.head) {
		assert_true(mux.head->armed);
		assert_null(mux.head->left);
		assert_null(mux.head->right);
	}
	assert_null(mux.firing);
	assert_null(mux.served);
	assert_true(mux.head || !mux.root);
	check_subtree(mux.root, &prev, &count);
	assert_int_equal(count, mux.stats.armed);
}

/* The hardware holds the earliest deadline, or is disarmed when empty. */
static void check_hw(void)
{
	struct alarm *first = alarm_mux_first(&mux);

	check_tree();
	if (first) {
		assert_true(hw.armed);
		assert_int_equal(hw.deadline, first->deadline);
	} else {
		assert_false(hw.armed);
	}
}

/* The loop's call for the timer's bit, then the last deadlines of the
 * firings whose callbacks did not read them (each alarm fires at most
 * once a round, so its fields still describe this round's firing). */
static void service(void)
{
	size_t first = nfirings;

	alarm_mux_service(&mux);
	for (size_t i = first; i < nfirings; i++) {
		if (firings[i].served_later) {
			firings[i].served = firings[i].alarm->last_deadline;
			firings[i].served_later = false;
		}
	}
}

/* Play the loop until the clock reaches t: sleep to the armed deadline,
 * wake up to `jitter_max` ticks late, service. */
static void run_until(uint64_t t, uint64_t jitter_max)
{
	unsigned guard = 0;

	while (hw.armed && !before(t, hw.deadline)) {
		assert_true(++guard < 10000000);
		if (before(hw.now, hw.deadline))
			hw.now = hw.deadline;
		if (jitter_max)
			hw.now += rnd_below(jitter_max + 1);
		uint64_t fired = mux.stats.fired;
		fake_alarm_knock(&hw);
		service();
		/* the hardware's deadline was due: at least its alarm fired */
		assert_true(mux.stats.fired > fired);
		check_hw();
	}
	if (before(hw.now, t))
		hw.now = t;
}

/* The loop answers the timer bit: the knock spends the hardware alarm if
 * it was due (a stale bit, with nothing due, does not). */
static void deliver(void)
{
	if (fake_alarm_due(&hw))
		fake_alarm_knock(&hw);
	service();
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	if (!firings)
		firings = calloc(MAX_FIRINGS, sizeof(*firings));
	assert_non_null(firings);
	nfirings = 0;
	set_counter = 0;
	rng_state = XORSHIFT_SEED;
	fake_alarm_init(&hw, TPS, 1000);
	alarm_mux_init(&mux, &hw.hil);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	free(firings);
	firings = NULL;
	return 0;
}

/* --- tests ------------------------------------------------------------- */

static void test_init_leaves_hardware_disarmed(void **state)
{
	(void)state;
	assert_false(hw.armed);
	assert_int_equal(hw.arm_calls, 0);
	assert_null(alarm_mux_first(&mux));
	assert_int_equal(mux.stats.armed, 0);
}

static void test_oneshot_fires_once_at_its_deadline(void **state)
{
	(void)state;
	struct client c;
	client_init(&c, 1);
	set_oneshot(&c, 500);
	assert_true(alarm_is_armed(&mux, &c.alarm));
	assert_int_equal(c.alarm.deadline, 1500);
	check_hw();

	/* an early knock (a timer that rounds its deadline down): nothing
	 * fires, and the spent hardware is armed again for the same deadline */
	hw.now = 1499;
	fake_alarm_knock(&hw);
	service();
	assert_int_equal(nfirings, 0);
	assert_int_equal(mux.stats.empty_rounds, 1);
	check_hw();
	assert_int_equal(hw.deadline, 1500);

	run_until(10000, 0);
	assert_int_equal(nfirings, 1);
	assert_int_equal(firings[0].served, 1500);
	assert_int_equal(firings[0].now, 1500);
	assert_false(firings[0].armed);
	assert_false(alarm_is_armed(&mux, &c.alarm));
	assert_int_equal(c.alarm.fired, 1);
	assert_int_equal(mux.stats.fired, 1);
	check_hw();
}

static void test_random_deadlines_fire_in_deadline_order(void **state)
{
	(void)state;
	enum {
		N = 500
	};
	static struct client c[N];
	uint64_t deadline[N];

	for (int i = 0; i < N; i++) {
		client_init(&c[i], i);
		/* a small range forces many equal deadlines too */
		set_oneshot(&c[i], rnd_below(2000));
		deadline[i] = c[i].alarm.deadline;
		check_hw();
		hw.now += rnd_below(3); /* sets at slightly different times */
	}
	assert_int_equal(mux.stats.armed, N);
	run_until(hw.now + 5000, 0);
	assert_int_equal(nfirings, N);
	for (size_t k = 0; k < nfirings; k++) {
		int id = firings[k].id;
		assert_int_equal(firings[k].served, deadline[id]);
		assert_false(before(firings[k].now, deadline[id]));
		if (k > 0) {
			int prev = firings[k - 1].id;
			assert_false(before(deadline[id], deadline[prev]));
			/* ties: the one set first fires first */
			if (deadline[id] == deadline[prev])
				assert_true(c[prev].set_order < c[id].set_order);
		}
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(c[i].alarm.fired, 1);
	assert_null(alarm_mux_first(&mux));
	assert_false(hw.armed);
}

static void test_equal_deadlines_fire_in_the_order_set(void **state)
{
	(void)state;
	enum {
		N = 16
	};
	struct client c[N];
	/* set in a scrambled id order; they must fire in the order set */
	int order[N];

	for (int i = 0; i < N; i++)
		order[i] = (i * 7) % N;
	for (int i = 0; i < N; i++) {
		client_init(&c[order[i]], order[i]);
		set_oneshot(&c[order[i]], 100);
	}
	run_until(hw.now + 100, 0);
	assert_int_equal(nfirings, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(firings[i].id, order[i]);
	/* one round served them all */
	assert_int_equal(mux.stats.rounds, 1);
}

static void test_rearm_moves_the_alarm(void **state)
{
	(void)state;
	struct client a, b, t1, t2;
	client_init(&a, 0);
	client_init(&b, 1);
	client_init(&t1, 2);
	client_init(&t2, 3);

	set_oneshot(&a, 100);
	set_oneshot(&b, 200);
	assert_int_equal(hw.deadline, 1100);
	set_oneshot(&a, 300); /* move the head back: b is now first */
	check_hw();
	assert_int_equal(hw.deadline, 1200);
	assert_int_equal(mux.stats.armed, 2);
	set_periodic(&b, 50); /* move b earlier and make it periodic */
	check_hw();
	assert_int_equal(hw.deadline, 1050);
	set_oneshot(&b, 400); /* back to one-shot: its period is gone */
	assert_int_equal(b.alarm.period, 0);
	check_hw();

	/* re-arming with the same deadline moves it behind its tie */
	set_oneshot(&t1, 500);
	set_oneshot(&t2, 500);
	set_oneshot(&t1, 500);
	check_hw();

	run_until(hw.now + 1000, 0);
	assert_int_equal(nfirings, 4);
	assert_int_equal(firings[0].id, 0); /* 1300 */
	assert_int_equal(firings[1].id, 1); /* 1400 */
	assert_int_equal(firings[2].id, 3); /* 1500, set before t1's re-arm */
	assert_int_equal(firings[3].id, 2);
	assert_int_equal(a.alarm.fired, 1);
	assert_int_equal(b.alarm.fired, 1);
}

static void test_cancel_head_middle_tail_and_unarmed(void **state)
{
	(void)state;
	struct client c[5], never;
	client_init(&never, 99);
	for (int i = 0; i < 5; i++) {
		client_init(&c[i], i);
		set_oneshot(&c[i], 10 * (i + 1));
	}
	assert_int_equal(hw.deadline, 1010);

	alarm_cancel(&mux, &c[0].alarm); /* head: the hardware moves */
	assert_false(alarm_is_armed(&mux, &c[0].alarm));
	check_hw();
	assert_int_equal(hw.deadline, 1020);

	uint64_t arms = hw.arm_calls;
	alarm_cancel(&mux, &c[4].alarm); /* tail: hardware untouched */
	alarm_cancel(&mux, &c[2].alarm); /* middle: hardware untouched */
	check_hw();
	assert_int_equal(hw.arm_calls, arms);
	assert_int_equal(mux.stats.armed, 2);

	/* cancelling what is not armed changes nothing */
	uint64_t disarms = hw.disarm_calls;
	alarm_cancel(&mux, &c[2].alarm);
	alarm_cancel(&mux, &never.alarm);
	assert_int_equal(mux.stats.armed, 2);
	assert_int_equal(hw.arm_calls, arms);
	assert_int_equal(hw.disarm_calls, disarms);

	run_until(hw.now + 100, 0);
	assert_int_equal(nfirings, 2);
	assert_int_equal(firings[0].id, 1);
	assert_int_equal(firings[1].id, 3);
}

static void cancel_other(struct client *c)
{
	alarm_cancel(&mux, &c->other->alarm);
}

static void set_other_now(struct client *c)
{
	set_oneshot(c->other, 0);
}

static void test_cancel_inside_callback_of_alarm_due_in_same_round(void **state)
{
	(void)state;
	struct client a, b, d, late;
	client_init(&a, 0);
	client_init(&b, 1);
	client_init(&d, 2);
	client_init(&late, 3);
	a.action = cancel_other;
	a.other = &b;
	set_oneshot(&a, 10);
	set_oneshot(&b, 20); /* due in the same round as a, cancelled by a */
	set_oneshot(&d, 30);
	set_oneshot(&late, 500);

	hw.now = 1040; /* one round finds a, b and d all due */
	deliver();
	check_hw();
	assert_int_equal(nfirings, 2);
	assert_int_equal(firings[0].id, 0);
	assert_int_equal(firings[1].id, 2);
	assert_false(alarm_is_armed(&mux, &b.alarm));
	assert_int_equal(b.alarm.fired, 0);
	assert_int_equal(hw.deadline, 1500);
}

static void test_alarm_set_in_callback_waits_for_next_round(void **state)
{
	(void)state;
	struct client a, b;
	client_init(&a, 0);
	client_init(&b, 1);
	a.action = set_other_now; /* sets b with delay 0: due at once */
	a.other = &b;
	set_oneshot(&a, 10);

	hw.now = 1010;
	deliver();
	assert_int_equal(nfirings, 1);
	/* b is due, but waits: the hardware is armed for it, already passed */
	assert_true(alarm_is_armed(&mux, &b.alarm));
	check_hw();
	assert_true(fake_alarm_due(&hw));

	deliver();
	assert_int_equal(nfirings, 2);
	assert_int_equal(firings[1].id, 1);
	assert_int_equal(firings[1].round, 2);
	check_hw();
}

static void rearm_self_now(struct client *c)
{
	set_oneshot(c, 0);
}

static void test_alarm_rearming_itself_fires_once_per_round(void **state)
{
	(void)state;
	struct client a;
	client_init(&a, 0);
	a.action = rearm_self_now;
	set_oneshot(&a, 0);

	for (int round = 1; round <= 5; round++) {
		deliver();
		assert_int_equal(a.alarm.fired, round);
		assert_true(fake_alarm_due(&hw));
		check_hw();
	}
	alarm_cancel(&mux, &a.alarm);
	check_hw();
}

static void cancel_self(struct client *c)
{
	alarm_cancel(&mux, &c->alarm);
}

static void test_periodic_cancelled_from_its_own_callback_stops(void **state)
{
	(void)state;
	struct client p;
	client_init(&p, 0);
	set_periodic(&p, 100);
	run_until(hw.now + 350, 0);
	assert_int_equal(p.alarm.fired, 3);
	p.action = cancel_self;
	run_until(hw.now + 1000, 0);
	assert_int_equal(p.alarm.fired, 4);
	assert_true(firings[3].armed); /* armed on its grid during the call */
	assert_false(alarm_is_armed(&mux, &p.alarm));
	check_hw();
}

static void test_periodic_does_not_drift_with_late_service(void **state)
{
	(void)state;
	enum {
		PERIOD = 1000,
		N = 1000
	};
	struct client p, other;
	client_init(&p, 0);
	client_init(&other, 1);
	set_periodic(&p, PERIOD);
	set_periodic(&other, 333); /* a second grid to interleave rounds */
	uint64_t start = p.start;

	/* the loop answers up to just under a period late every time */
	run_until(start + (uint64_t)N * PERIOD, PERIOD - 1);

	uint64_t k = 0;
	for (size_t i = 0; i < nfirings; i++) {
		if (firings[i].id != 0)
			continue;
		k++;
		assert_int_equal(firings[i].served, start + k * PERIOD);
		assert_true(firings[i].now - firings[i].served < PERIOD);
	}
	assert_true(k >= N);
	assert_int_equal(p.alarm.fired, k);
	assert_int_equal(p.alarm.missed, 0);
	assert_int_equal(p.alarm.deadline, start + (k + 1) * PERIOD);
}

static void test_missed_periods_are_counted_and_grid_kept(void **state)
{
	(void)state;
	struct client p;
	client_init(&p, 0);
	hw.now = 0;
	set_periodic(&p, 100);

	hw.now = 450; /* grid points 100..400 passed: fire once, miss 3 */
	deliver();
	assert_int_equal(p.alarm.fired, 1);
	assert_int_equal(p.alarm.missed, 3);
	assert_int_equal(firings[0].served, 100);
	assert_int_equal(p.alarm.deadline, 500);
	check_hw();

	hw.now = 500; /* on time: no miss */
	deliver();
	assert_int_equal(p.alarm.fired, 2);
	assert_int_equal(p.alarm.missed, 3);

	hw.now = 700; /* exactly one period late: 700 itself is skipped */
	deliver();
	assert_int_equal(p.alarm.fired, 3);
	assert_int_equal(p.alarm.missed, 4);
	assert_int_equal(p.alarm.deadline, 800);
	/* every grid point passed is either fired or missed */
	assert_int_equal(p.alarm.fired + p.alarm.missed, 700 / 100);
	assert_int_equal(mux.stats.missed, 4);
	assert_int_equal(mux.stats.max_lateness, 350);
}

static void slow_callback(struct client *c)
{
	(void)c;
	hw.now += 25; /* this callback takes 2.5 periods */
}

static void test_periodic_due_again_within_round_waits_for_next(void **state)
{
	(void)state;
	struct client p, q;
	client_init(&p, 0);
	client_init(&q, 1);
	hw.now = 0;
	set_periodic(&p, 10);
	set_periodic(&q, 10);
	p.action = slow_callback;

	hw.now = 10;
	deliver();
	/* both fired once, although p's next deadline (20) passed meanwhile */
	assert_int_equal(p.alarm.fired, 1);
	assert_int_equal(q.alarm.fired, 1);
	assert_int_equal(nfirings, 2);
	assert_int_equal(hw.now, 35);
	check_hw();
	assert_int_equal(hw.deadline, 20);
	assert_true(fake_alarm_due(&hw)); /* knocks again at once */

	deliver(); /* now = 35: 30 skipped for both */
	assert_int_equal(p.alarm.fired, 2);
	assert_int_equal(p.alarm.missed, 1);
	assert_int_equal(q.alarm.missed, 1);
	assert_int_equal(p.alarm.deadline, 40);
	assert_int_equal(firings[2].round, 2);
}

static void test_wraparound_near_2_pow_64(void **state)
{
	(void)state;
	struct client c[4], p;
	/* delays chosen so that a plain unsigned compare would misorder */
	const uint64_t delay[4] = { 200, 50, 100, 101 };
	const int expect[4] = { 1, 2, 3, 0 };

	hw.now = UINT64_MAX - 100;
	for (int i = 0; i < 4; i++) {
		client_init(&c[i], i);
		set_oneshot(&c[i], delay[i]);
		check_hw();
	}
	assert_int_equal(c[0].alarm.deadline, 99);
	assert_int_equal(c[3].alarm.deadline, 0);
	assert_int_equal(hw.deadline, UINT64_MAX - 50);

	client_init(&p, 9);
	set_periodic(&p, 30);
	uint64_t start = p.start;

	hw.now = 5; /* past the wrap: UINT64_MAX - 50, UINT64_MAX, 0 due */
	deliver();
	check_hw();
	int seen = 0;
	for (size_t i = 0; i < nfirings; i++)
		if (firings[i].id != 9)
			assert_int_equal(firings[i].id, expect[seen++]);
	assert_int_equal(seen, 3);

	run_until(1000, 0);
	seen = 0;
	for (size_t i = 0; i < nfirings; i++)
		if (firings[i].id != 9)
			assert_int_equal(firings[i].id, expect[seen++]);
	assert_int_equal(seen, 4);
	/* the periodic grid crosses the wrap exactly: the first service (at
	 * 5) was late for UINT64_MAX - 70 and skipped - 40 and - 10 */
	assert_int_equal(p.alarm.missed, 2);
	uint64_t k = 0;
	for (size_t i = 0; i < nfirings; i++) {
		if (firings[i].id != 9)
			continue;
		uint64_t offset = firings[i].served - start;
		assert_int_equal(offset % 30, 0);
		assert_true(offset / 30 > k);
		k = offset / 30;
	}
	assert_int_equal(k, (uint64_t)(1000 - start) / 30);
	assert_int_equal(p.alarm.fired + p.alarm.missed, k);
	assert_int_equal(p.alarm.deadline, start + (k + 1) * 30);
}

static void test_tickless_no_arm_while_empty(void **state)
{
	(void)state;
	struct client a, b;
	client_init(&a, 0);
	client_init(&b, 1);

	/* idle: knocks (stale bits) and time passing arm nothing */
	for (int i = 0; i < 3; i++) {
		hw.now += 1000000;
		deliver();
	}
	assert_int_equal(hw.arm_calls, 0);
	assert_false(hw.armed);

	set_oneshot(&a, 100);
	assert_int_equal(hw.arm_calls, 1);
	set_oneshot(&b, 200); /* later than the earliest: no hardware call */
	assert_int_equal(hw.arm_calls, 1);
	alarm_cancel(&mux, &b.alarm); /* not the earliest: no hardware call */
	assert_int_equal(hw.arm_calls, 1);
	uint64_t disarms = hw.disarm_calls;
	alarm_cancel(&mux, &a.alarm); /* the last one: disarm */
	assert_int_equal(hw.disarm_calls, disarms + 1);
	assert_false(hw.armed);

	set_oneshot(&a, 100);
	uint64_t disarms_before_round = hw.disarm_calls;
	run_until(hw.now + 1000, 0);
	assert_int_equal(a.alarm.fired, 1);
	assert_false(hw.armed); /* the round left nothing armed */
	/* ... without a write: the one-shot that knocked is spent. */
	assert_int_equal(hw.disarm_calls, disarms_before_round);
	uint64_t arms = hw.arm_calls;
	for (int i = 0; i < 3; i++) {
		hw.now += 1000000;
		deliver();
	}
	assert_int_equal(hw.arm_calls, arms);
	assert_false(hw.armed);
	assert_int_equal(mux.stats.hw_arms, hw.arm_calls);
	assert_int_equal(mux.stats.hw_disarms, hw.disarm_calls);
}

/* The earliest armed alarm by the test's own model: minimum deadline,
 * ties broken by the order the test set them. */
static struct client *model_first(struct client *c, int n)
{
	struct client *best = NULL;
	for (int i = 0; i < n; i++) {
		if (!c[i].alarm.armed)
			continue;
		if (!best || before(c[i].alarm.deadline, best->alarm.deadline) ||
		    (c[i].alarm.deadline == best->alarm.deadline &&
		     c[i].set_order < best->set_order))
			best = &c[i];
	}
	return best;
}

static void test_hardware_follows_minimum_through_random_operations(void **state)
{
	(void)state;
	enum {
		N = 64,
		OPS = 20000
	};
	static struct client c[N];
	int armed = 0;

	for (int i = 0; i < N; i++)
		client_init(&c[i], i);
	for (int op = 0; op < OPS; op++) {
		struct client *x = &c[rnd_below(N)];
		uint64_t arms = hw.arm_calls;
		struct client *first_before = model_first(c, N);
		uint64_t first_deadline = first_before ? first_before->alarm.deadline : 0;

		switch (rnd_below(5)) {
		case 0:
		case 1:
			set_oneshot(x, rnd_below(5000));
			break;
		case 2:
			set_periodic(x, 1 + rnd_below(3000));
			break;
		case 3:
			alarm_cancel(&mux, &x->alarm);
			break;
		case 4:
			run_until(hw.now + rnd_below(2000), 100);
			arms = hw.arm_calls; /* service re-arms every round */
			first_before = NULL;
			break;
		}
		check_hw();
		struct client *first = model_first(c, N);
		assert_ptr_equal(alarm_mux_first(&mux), first ? &first->alarm : NULL);
		/* the hardware is only touched when the earliest deadline moved */
		if (first_before && first && first->alarm.deadline == first_deadline)
			assert_int_equal(hw.arm_calls, arms);
		armed = 0;
		for (int i = 0; i < N; i++)
			armed += c[i].alarm.armed;
		assert_int_equal(mux.stats.armed, armed);
	}
}

static void test_stress_200_random_periodic_alarms(void **state)
{
	(void)state;
	enum {
		N = 200
	};
	static struct client c[N];
	const uint64_t end = 2000000;

	for (int i = 0; i < N; i++) {
		client_init(&c[i], i);
		set_periodic(&c[i], 50 + rnd_below(5000));
		hw.now += rnd_below(100); /* staggered starts */
	}
	for (int i = 0; i < N; i++)
		c[i].last_round = 0;
	/* jitter up to 200: above the shortest periods, so some are missed */
	run_until(end, 200);

	uint64_t k[N] = { 0 };
	for (size_t i = 0; i < nfirings; i++) {
		struct firing *f = &firings[i];
		struct client *x = &c[f->id];
		/* global deadline order across and within rounds */
		if (i > 0)
			assert_false(before(f->served, firings[i - 1].served));
		/* never twice in one round */
		assert_true(f->round > x->last_round);
		x->last_round = f->round;
		/* always on the alarm's own grid, strictly later each time */
		uint64_t offset = f->served - x->start;
		assert_int_equal(offset % x->alarm.period, 0);
		assert_true(offset / x->alarm.period > k[f->id]);
		k[f->id] = offset / x->alarm.period;
		assert_false(before(f->now, f->served));
	}
	uint64_t fired = 0, missed = 0;
	for (int i = 0; i < N; i++) {
		struct alarm *a = &c[i].alarm;
		/* the next deadline is on the grid, after the last served one,
		 * and every grid point before it was either fired or missed */
		uint64_t next = (a->deadline - c[i].start) / a->period;
		assert_int_equal(a->deadline, c[i].start + next * a->period);
		assert_true(next > k[i]);
		assert_int_equal(a->fired + a->missed, next - 1);
		assert_true(a->fired > 0);
		/* everything due by `end` was served */
		assert_true(before(end, a->deadline));
		fired += a->fired;
		missed += a->missed;
	}
	assert_int_equal(mux.stats.fired, fired);
	assert_int_equal(mux.stats.missed, missed);
	assert_int_equal(nfirings, fired);
	assert_true(missed > 0); /* the jitter really made some late */
	assert_int_equal(mux.stats.armed, N);
}

struct walk {
	struct alarm *seen[64];
	int n;
	int action; /* 0 list, 1 cancel each, 2 re-arm each */
};

static void walk_fn(void *arg, struct alarm *a)
{
	struct walk *w = arg;
	assert_true(w->n < 64);
	w->seen[w->n++] = a;
	if (w->action == 1)
		alarm_cancel(&mux, a);
	else if (w->action == 2)
		alarm_set_oneshot(&mux, a, 1 + rnd_below(10000));
}

static void test_foreach_lists_in_order_and_survives_changes(void **state)
{
	(void)state;
	enum {
		N = 40
	};
	struct client c[N];
	struct walk w = { .n = 0 };

	for (int i = 0; i < N; i++) {
		client_init(&c[i], i);
		set_oneshot(&c[i], rnd_below(300));
	}
	alarm_mux_foreach(&mux, walk_fn, &w);
	assert_int_equal(w.n, N);
	assert_ptr_equal(w.seen[0], alarm_mux_first(&mux));
	for (int i = 1; i < N; i++) {
		assert_false(before(w.seen[i]->deadline, w.seen[i - 1]->deadline));
		if (w.seen[i]->deadline == w.seen[i - 1]->deadline)
			assert_true(w.seen[i - 1]->seq < w.seen[i]->seq);
	}

	/* re-arming during the walk visits each alarm exactly once */
	w = (struct walk){ .action = 2 };
	alarm_mux_foreach(&mux, walk_fn, &w);
	assert_int_equal(w.n, N);
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			assert_ptr_not_equal(w.seen[i], w.seen[j]);
	check_hw();

	/* cancelling during the walk */
	w = (struct walk){ .action = 1 };
	alarm_mux_foreach(&mux, walk_fn, &w);
	assert_int_equal(w.n, N);
	assert_int_equal(mux.stats.armed, 0);
	check_hw();
	assert_false(hw.armed);
}

static void service_again(struct client *c)
{
	(void)c;
	service();
}

static void test_service_from_a_callback_panics(void **state)
{
	(void)state;
	struct client a;
	client_init(&a, 0);
	a.action = service_again;
	set_oneshot(&a, 0);
	expect_assert_failure(alarm_mux_service(&mux));
	assert_non_null(strstr(fake_log, "inside an alarm callback"));
}

static void test_period_zero_becomes_one_tick_with_warning(void **state)
{
	(void)state;
	struct client p;
	client_init(&p, 0);
	set_periodic(&p, 0);
	assert_int_equal(p.alarm.period, 1);
	assert_non_null(strstr(fake_log, "period 0"));
	run_until(hw.now + 10, 0);
	assert_int_equal(p.alarm.fired + p.alarm.missed, 10);
}

static void test_huge_delays_are_capped_and_keep_order(void **state)
{
	(void)state;
	struct client big, small;
	client_init(&big, 0);
	client_init(&small, 1);
	set_oneshot(&big, UINT64_MAX); /* would wrap into the past uncapped */
	set_oneshot(&small, 10);
	assert_int_equal(big.alarm.deadline, 1000 + ALARM_MUX_MAX_DELAY);
	check_hw();
	assert_int_equal(hw.deadline, 1010);
	run_until(hw.now + 1000000, 0);
	assert_int_equal(nfirings, 1);
	assert_int_equal(firings[0].id, 1);
	assert_true(alarm_is_armed(&mux, &big.alarm));
}

/* --- the head fast path (alarm_mux.c, "The head") ------------------------ */

/* Seen from inside a callback: the head slot is empty (the alarm left the
 * mux in O(1)), and the tree has not been touched yet. */
static struct alarm *seen_head;
static struct alarm *seen_root;
static uint64_t seen_fired_stat;

static void look_at_mux(struct client *c)
{
	(void)c;
	seen_head = mux.head;
	seen_root = mux.root;
	seen_fired_stat = mux.stats.fired;
}

static void test_head_leaves_in_o1_and_bookkeeping_follows(void **state)
{
	(void)state;
	struct client c[5];

	for (int i = 0; i < 5; i++) {
		client_init(&c[i], i);
		c[i].action = look_at_mux;
	}
	/* set out of order: the head must be the earliest, not the first set */
	set_oneshot(&c[3], 400);
	set_oneshot(&c[1], 200);
	set_oneshot(&c[4], 500);
	set_oneshot(&c[0], 100);
	set_oneshot(&c[2], 300);
	assert_ptr_equal(mux.head, &c[0].alarm);
	check_hw();

	hw.now = 1100;
	deliver();
	assert_int_equal(nfirings, 1);
	assert_int_equal(firings[0].id, 0);
	/* during the callback: no head, the other four still in the tree,
	 * and the mux's fired counter not yet raised (it is bookkeeping) */
	assert_null(seen_head);
	assert_non_null(seen_root);
	assert_int_equal(seen_fired_stat, 0);
	/* after it: the next head was taken out of the tree */
	assert_ptr_equal(mux.head, &c[1].alarm);
	assert_int_equal(mux.stats.fired, 1);
	check_hw();

	/* the rest, in deadline order, each taken from the head */
	hw.now = 1500;
	deliver();
	assert_int_equal(nfirings, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(firings[i].id, i);
	assert_null(mux.head);
	assert_null(mux.root);
	assert_false(hw.armed);
}

static void test_cancel_and_move_the_head(void **state)
{
	(void)state;
	struct client a, b, c;

	client_init(&a, 0);
	client_init(&b, 1);
	client_init(&c, 2);
	set_oneshot(&a, 100);
	set_oneshot(&b, 200);
	set_oneshot(&c, 300);
	alarm_cancel(&mux, &a.alarm); /* the head: the next one moves up */
	assert_ptr_equal(mux.head, &b.alarm);
	check_hw();
	assert_int_equal(hw.deadline, 1200);
	set_oneshot(&c, 50); /* a tree alarm moved before the head */
	assert_ptr_equal(mux.head, &c.alarm);
	check_hw();
	set_oneshot(&c, 500); /* the head moved behind the others */
	assert_ptr_equal(mux.head, &b.alarm);
	check_hw();
	run_until(hw.now + 1000, 0);
	assert_int_equal(nfirings, 2);
	assert_int_equal(firings[0].id, 1);
	assert_int_equal(firings[1].id, 2);
}

static void test_periodic_head_keeps_its_grid_through_the_fast_path(void **state)
{
	(void)state;
	struct client p;

	client_init(&p, 0);
	set_periodic(&p, 1000);
	uint64_t start = p.start;
	/* serviced late by varying amounts, never a whole period */
	for (uint64_t k = 1; k <= 50; k++) {
		hw.now = start + k * 1000 + (k * 37) % 1000;
		deliver();
		assert_int_equal(nfirings, k);
		assert_int_equal(firings[k - 1].served, start + k * 1000);
		/* armed during its call, with its next grid point */
		assert_true(firings[k - 1].armed);
		assert_int_equal(p.alarm.deadline, start + (k + 1) * 1000);
		assert_ptr_equal(mux.head, &p.alarm);
		check_hw();
	}
	assert_int_equal(p.alarm.missed, 0);
}

/* Inside its callback, the alarm's own bookkeeping has not run (the raw
 * fields are as before the firing), yet every look through the mux sees
 * it done: alarm_is_armed() without settling, alarm_read() by settling. */
struct seen_alarm {
	uint64_t raw_fired, fired, last_deadline, deadline, missed;
	bool raw_armed, armed_before_read, armed;
	bool firing_before_read, firing_after_read;
};
static struct seen_alarm seen;

static void read_own_alarm(struct client *c)
{
	const struct alarm *a;

	seen.raw_fired = c->alarm.fired;
	seen.raw_armed = c->alarm.armed;
	seen.armed_before_read = alarm_is_armed(&mux, &c->alarm);
	seen.firing_before_read = mux.firing == &c->alarm;
	a = alarm_read(&mux, &c->alarm);
	seen.firing_after_read = mux.firing != NULL;
	seen.fired = a->fired;
	seen.armed = a->armed;
	seen.last_deadline = a->last_deadline;
	seen.deadline = a->deadline;
	seen.missed = a->missed;
}

static void test_a_callback_sees_its_alarm_settled_through_the_mux(void **state)
{
	(void)state;
	struct client o, p;

	/* even ids: the record does not read the alarm before the action */
	client_init(&o, 0);
	client_init(&p, 2);
	o.action = read_own_alarm;
	p.action = read_own_alarm;

	set_oneshot(&o, 100); /* deadline 1100 */
	hw.now = 1150;
	deliver();
	assert_int_equal(nfirings, 1);
	assert_true(seen.firing_before_read);
	assert_int_equal(seen.raw_fired, 0); /* the bookkeeping is after... */
	assert_true(seen.raw_armed);
	assert_false(seen.armed_before_read); /* ...but not as the mux tells it */
	assert_false(seen.firing_after_read);
	assert_int_equal(seen.fired, 1);
	assert_false(seen.armed);
	assert_int_equal(seen.last_deadline, 1100);
	assert_int_equal(mux.stats.fired, 1);
	assert_int_equal(mux.stats.max_lateness, 50);

	set_periodic(&p, 1000); /* grid 2150, 3150, ... */
	hw.now = 4100;          /* 2150 served, 3150 skipped */
	deliver();
	assert_int_equal(nfirings, 2);
	assert_int_equal(seen.raw_fired, 0);
	assert_true(seen.armed_before_read);
	assert_int_equal(seen.fired, 1);
	assert_true(seen.armed);
	assert_int_equal(seen.last_deadline, 2150);
	assert_int_equal(seen.deadline, 4150);
	assert_int_equal(seen.missed, 1);
	/* settled in the callback, put back once after it */
	assert_ptr_equal(mux.head, &p.alarm);
	check_hw();
	assert_int_equal(hw.deadline, 4150);
	alarm_cancel(&mux, &p.alarm);
}

/* A one-shot that re-arms itself when the mux says it is unarmed: the
 * usual client code, which an unsettled `armed` would have broken. */
static void rearm_if_unarmed(struct client *c)
{
	if (!alarm_is_armed(&mux, &c->alarm) && c->last_round < 3) {
		c->last_round++;
		alarm_set_oneshot(&mux, &c->alarm, 10);
	}
}

static void test_a_oneshot_rearms_itself_when_the_mux_says_unarmed(void **state)
{
	(void)state;
	struct client c;

	client_init(&c, 0);
	c.action = rearm_if_unarmed;
	set_oneshot(&c, 10);
	run_until(hw.now + 1000, 0);
	assert_int_equal(nfirings, 4);
	assert_int_equal(c.alarm.fired, 4);
	assert_false(c.alarm.armed);
	assert_int_equal(mux.stats.armed, 0);
	assert_false(hw.armed);
}

static struct client *set_in_callback_other;

static void set_earlier_and_later(struct client *c)
{
	(void)c;
	/* one before every alarm left, one after: both wait for the next
	 * round, and the hardware ends up on the earlier */
	alarm_set_oneshot(&mux, &set_in_callback_other[0].alarm, 1);
	alarm_set_oneshot(&mux, &set_in_callback_other[1].alarm, 10000);
}

static void test_alarm_set_from_a_callback_goes_in_order(void **state)
{
	(void)state;
	struct client a, late, extra[2];

	client_init(&a, 0);
	client_init(&late, 1);
	client_init(&extra[0], 2);
	client_init(&extra[1], 3);
	set_in_callback_other = extra;
	a.action = set_earlier_and_later;
	set_oneshot(&a, 100);
	set_oneshot(&late, 5000);

	hw.now = 1100;
	deliver();
	assert_int_equal(nfirings, 1);
	assert_ptr_equal(mux.head, &extra[0].alarm);
	check_hw();
	assert_int_equal(hw.deadline, 1101);
	run_until(hw.now + 20000, 0);
	assert_int_equal(nfirings, 4);
	assert_int_equal(firings[1].id, 2);
	assert_int_equal(firings[2].id, 1);
	assert_int_equal(firings[3].id, 3);
}

static void test_conversions(void **state)
{
	(void)state;
	struct fake_alarm hw3;
	struct alarm_mux m3;
	fake_alarm_init(&hw3, UINT64_C(3000000000), 0); /* 3 GHz */
	alarm_mux_init(&m3, &hw3.hil);

	assert_int_equal(alarm_mux_ms_to_ticks(&m3, 100), UINT64_C(300000000));
	assert_int_equal(alarm_mux_ms_to_ticks(&m3, 1500), UINT64_C(4500000000));
	assert_int_equal(alarm_mux_us_to_ticks(&m3, 1), 3000);
	assert_int_equal(alarm_mux_ticks_to_us(&m3, UINT64_C(3000000000)), 1000000);
	assert_int_equal(alarm_mux_ticks_to_us(&m3, 2999), 0);
	assert_int_equal(alarm_mux_ticks_to_us(&m3, 3000), 1);
	/* near 2^64 ticks: no overflow in the middle of the computation */
	assert_int_equal(alarm_mux_ticks_to_us(&m3, UINT64_MAX), UINT64_MAX / 3000);
	assert_int_equal(alarm_mux_ms_to_ticks(&m3, UINT64_MAX), UINT64_MAX);
	hw3.now = 42;
	assert_int_equal(alarm_mux_now(&m3), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_leaves_hardware_disarmed, setup),
		cmocka_unit_test_setup(test_oneshot_fires_once_at_its_deadline, setup),
		cmocka_unit_test_setup(test_random_deadlines_fire_in_deadline_order, setup),
		cmocka_unit_test_setup(test_equal_deadlines_fire_in_the_order_set, setup),
		cmocka_unit_test_setup(test_rearm_moves_the_alarm, setup),
		cmocka_unit_test_setup(test_cancel_head_middle_tail_and_unarmed, setup),
		cmocka_unit_test_setup(test_cancel_inside_callback_of_alarm_due_in_same_round,
				       setup),
		cmocka_unit_test_setup(test_alarm_set_in_callback_waits_for_next_round, setup),
		cmocka_unit_test_setup(test_alarm_rearming_itself_fires_once_per_round, setup),
		cmocka_unit_test_setup(test_periodic_cancelled_from_its_own_callback_stops, setup),
		cmocka_unit_test_setup(test_periodic_does_not_drift_with_late_service, setup),
		cmocka_unit_test_setup(test_missed_periods_are_counted_and_grid_kept, setup),
		cmocka_unit_test_setup(test_periodic_due_again_within_round_waits_for_next, setup),
		cmocka_unit_test_setup(test_wraparound_near_2_pow_64, setup),
		cmocka_unit_test_setup(test_tickless_no_arm_while_empty, setup),
		cmocka_unit_test_setup(test_hardware_follows_minimum_through_random_operations,
				       setup),
		cmocka_unit_test_setup(test_stress_200_random_periodic_alarms, setup),
		cmocka_unit_test_setup(test_foreach_lists_in_order_and_survives_changes, setup),
		cmocka_unit_test_setup(test_service_from_a_callback_panics, setup),
		cmocka_unit_test_setup(test_period_zero_becomes_one_tick_with_warning, setup),
		cmocka_unit_test_setup(test_huge_delays_are_capped_and_keep_order, setup),
		cmocka_unit_test_setup(test_head_leaves_in_o1_and_bookkeeping_follows, setup),
		cmocka_unit_test_setup(test_cancel_and_move_the_head, setup),
		cmocka_unit_test_setup(test_periodic_head_keeps_its_grid_through_the_fast_path,
				       setup),
		cmocka_unit_test_setup(test_alarm_set_from_a_callback_goes_in_order, setup),
		cmocka_unit_test_setup(test_a_callback_sees_its_alarm_settled_through_the_mux,
				       setup),
		cmocka_unit_test_setup(test_a_oneshot_rearms_itself_when_the_mux_says_unarmed,
				       setup),
		cmocka_unit_test_setup(test_conversions, setup),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
