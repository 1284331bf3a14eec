/*
 * alarm mux: see alarm_mux.h for the contract.
 *
 * Why an AVL tree keyed by (deadline, sequence)
 * ---------------------------------------------
 * The set of armed alarms needs: insert, remove of ANY alarm (cancel and
 * re-arm are common: a console's idle timer is moved on every keystroke),
 * find the minimum, and walk in order (the shell's `alarms` listing).
 *
 *  - A binary heap (intrusive, addressed by index bits) or a pairing heap
 *    gives the minimum in O(1), but removing an arbitrary alarm needs parent
 *    links and sift/merge work, the pairing heap's bounds are only
 *    amortized (one unlucky cancel can cost O(n)), and neither can be walked
 *    in order without sorting a copy, which we could not allocate.
 *  - A timing wheel is O(1) but has a fixed granularity and range, which a
 *    tickless 64-bit deadline does not fit.
 *  - A balanced search tree does all four: insert and remove in O(log n)
 *    WORST case, minimum as the leftmost node, in-order walk for free.
 *    AVL rather than red-black because it is the shorter code to get right
 *    without parent links: recursive insert/remove rebalance on the way
 *    back up. AVL height is at most 1.44 log2(n + 2), so the recursion is
 *    under 60 frames for any number of alarms that fits in memory.
 *
 * The key (deadline, seq) is unique, since every set takes a fresh seq, so
 * an alarm is found again by its key alone, and equal deadlines keep FIFO
 * order. The key of an alarm in the tree never changes: re-arming removes
 * first, then inserts with the new key.
 *
 * The head: O(1) for the alarm that knocked
 * -----------------------------------------
 * The earliest alarm is kept OUT of the tree, in m->head; the tree holds
 * the rest, all after it. So the one alarm a timer interrupt is about, the
 * head, leaves the mux in O(1): the service moves it from m->head to
 * m->firing and calls its client at once. Everything else comes after the
 * client has run (after_fire()): the alarm's own bookkeeping (settle():
 * counted fired, its last deadline, a one-shot unarmed or a periodic
 * alarm's next deadline), taking the next head out of the tree, putting a
 * periodic alarm back, the statistics, and at the end of the round the
 * hardware. `make bench` measures this path (timer_wake_latency,
 * docs/interrupts.md).
 *
 * So while a client runs its alarm is unsettled: m->firing, in neither
 * the head nor the tree, its fields as they were before it fired. Every
 * public function settles it first thing, so a callback that calls into
 * the mux (to re-arm, cancel, list, or read its alarm through
 * alarm_read()) finds the alarm exactly as if the bookkeeping had run
 * before it was called. Once settled, a periodic alarm is armed (its next
 * deadline and seq set, so the client may cancel or move it) but still in
 * neither place: it is m->served until after_fire() inserts it. And m->head
 * may be empty with alarms still in the tree (the next head is taken out
 * only afterwards). Everything that reads or changes the set below works
 * in all these states: refill_head() restores the head before a change,
 * first_alarm() and next_after() look at the head, the tree and m->served.
 */
#include "capsules/alarm_mux.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/observe.h"
#include "kernel/panic.h"

/* --- keys ------------------------------------------------------------- */

/* m->round_seq while no alarm has been set during the service round. */
#define ROUND_SEQ_NONE UINT64_MAX

/* Wrap-around-safe "deadline a is before deadline b". */
static bool deadline_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* Is the key (deadline, seq) ordered before alarm n? */
static bool key_before(uint64_t deadline, uint64_t seq, const struct alarm *n)
{
	if (deadline != n->deadline)
		return deadline_before(deadline, n->deadline);
	return seq < n->seq;
}

static bool alarm_before(const struct alarm *a, const struct alarm *b)
{
	return key_before(a->deadline, a->seq, b);
}

/* --- intrusive AVL tree ----------------------------------------------- */

static int height(const struct alarm *n)
{
	return n ? n->height : 0;
}

static void update_height(struct alarm *n)
{
	int l = height(n->left), r = height(n->right);
	n->height = 1 + (l > r ? l : r);
}

static struct alarm *rotate_right(struct alarm *y)
{
	struct alarm *x = y->left;
	y->left = x->right;
	x->right = y;
	update_height(y);
	update_height(x);
	return x;
}

static struct alarm *rotate_left(struct alarm *x)
{
	struct alarm *y = x->right;
	x->right = y->left;
	y->left = x;
	update_height(x);
	update_height(y);
	return y;
}

/* Restore the AVL invariant at n (children already balanced, heights
 * differing by at most 2) and return the subtree's new root. */
static struct alarm *rebalance(struct alarm *n)
{
	int balance;

	update_height(n);
	balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

/* Recursive on purpose: an AVL tree is at most 1.44 log2(n) deep. Not
 * inlined (nor are refill_head() and insert_alarm()): one copy of the tree
 * code, none of it on the way from a knock to the client. */
__attribute__((noinline)) static struct alarm *
tree_insert(struct alarm *root, struct alarm *a) // NOLINT(misc-no-recursion)
{
	if (!root) {
		a->left = a->right = NULL;
		a->height = 1;
		return a;
	}
	if (alarm_before(a, root))
		root->left = tree_insert(root->left, a);
	else
		root->right = tree_insert(root->right, a);
	return rebalance(root);
}

/* Unlink the leftmost node of a non-empty subtree into *min. Recursive on
 * purpose: an AVL tree is at most 1.44 log2(n) deep. */
// NOLINTNEXTLINE(misc-no-recursion)
static struct alarm *tree_remove_min(struct alarm *root, struct alarm **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = tree_remove_min(root->left, min);
	return rebalance(root);
}

/* Recursive on purpose: an AVL tree is at most 1.44 log2(n) deep. */
static struct alarm *tree_remove(struct alarm *root, struct alarm *a) // NOLINT(misc-no-recursion)
{
	struct alarm *succ, *rest;

	/* An armed alarm is always in the tree: not finding it means its
	 * memory was reused or re-initialised while armed. */
	if (!root)
		panic("alarm_mux: armed alarm '%s' not found (re-initialised or freed while armed?)",
		      a->name ? a->name : "?");
	if (root == a) {
		if (!a->left)
			return a->right;
		if (!a->right)
			return a->left;
		rest = tree_remove_min(a->right, &succ);
		succ->left = a->left;
		succ->right = rest;
		return rebalance(succ);
	}
	if (alarm_before(a, root))
		root->left = tree_remove(root->left, a);
	else
		root->right = tree_remove(root->right, a);
	return rebalance(root);
}

static struct alarm *tree_first(struct alarm *n)
{
	if (n)
		while (n->left)
			n = n->left;
	return n;
}

/* The first node whose key is after (deadline, seq), or NULL. */
static struct alarm *tree_next_after(struct alarm *n, uint64_t deadline, uint64_t seq)
{
	struct alarm *best = NULL;

	while (n) {
		if (key_before(deadline, seq, n)) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* --- the set of armed alarms: head, tree, and the one being served ----- */

/* The earlier of two alarms, either of which may be NULL. */
static struct alarm *earlier(struct alarm *a, struct alarm *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return alarm_before(a, b) ? a : b;
}

/* The earliest armed alarm: the head, or (between a head's firing and its
 * after_fire()) the tree's first or the periodic alarm being served. Only
 * with no alarm unsettled (settle()). */
static struct alarm *first_alarm(const struct alarm_mux *m)
{
	struct alarm *first = m->head ? m->head : tree_first(m->root);

	return earlier(first, m->served);
}

/* The first armed alarm whose key is after (deadline, seq), or NULL. */
static struct alarm *next_after(const struct alarm_mux *m, uint64_t deadline, uint64_t seq)
{
	struct alarm *best = tree_next_after(m->root, deadline, seq);

	if (m->head && key_before(deadline, seq, m->head))
		best = earlier(best, m->head);
	if (m->served && key_before(deadline, seq, m->served))
		best = earlier(best, m->served);
	return best;
}

/* An empty head with alarms in the tree: move the tree's first up. */
__attribute__((noinline)) static void refill_head(struct alarm_mux *m)
{
	if (m->head || !m->root)
		return;
	m->root = tree_remove_min(m->root, &m->head);
	m->head->left = m->head->right = NULL;
}

/* Put `a` (its key set) into the set: as the head if it comes first. */
__attribute__((noinline)) static void insert_alarm(struct alarm_mux *m, struct alarm *a)
{
	refill_head(m);
	if (m->head && !alarm_before(a, m->head)) {
		m->root = tree_insert(m->root, a);
		return;
	}
	if (m->head)
		m->root = tree_insert(m->root, m->head);
	a->left = a->right = NULL;
	m->head = a;
}

static void remove_alarm(struct alarm_mux *m, struct alarm *a)
{
	if (a == m->served) {
		m->served = NULL;
	} else if (a == m->head) {
		m->head = NULL;
		refill_head(m);
	} else {
		m->root = tree_remove(m->root, a);
	}
}

/* --- the alarm being served ------------------------------------------ */

/*
 * The bookkeeping of the alarm whose client runs now (m->firing), which
 * the service leaves until after the client (see "The head" above): it is
 * counted fired, a->last_deadline becomes the deadline served, and a
 * periodic alarm takes its next deadline (armed, as m->served, so the
 * client may cancel or move it) while a one-shot is unarmed (so the client
 * may set it again). Called after the client, and first thing by every
 * public function, so no call into the mux finds the alarm unsettled
 * (only a raw read of its fields in its own callback does).
 */
__attribute__((noinline)) static void settle_firing(struct alarm_mux *m)
{
	struct alarm *a = m->firing;
	uint64_t now = m->round_now, late;

	m->firing = NULL;
	a->last_deadline = a->deadline;
	a->fired++;
	late = now - a->deadline;
	if (late > m->stats.max_lateness)
		m->stats.max_lateness = late;
	m->stats.fired++;
	m->round_fired++;
	if (a->period != 0) {
		/* Grid points in (deadline, now] are skipped; the next one is
		 * strictly after now, so it cannot fire in this round. */
		uint64_t skipped = late / a->period;
		a->missed += skipped;
		m->stats.missed += skipped;
		a->deadline += (skipped + 1) * a->period;
		a->seq = m->next_seq++;
		m->served = a;
	} else {
		a->armed = false;
		m->stats.armed--;
	}
}

static inline __attribute__((always_inline)) void settle(struct alarm_mux *m)
{
	if (__builtin_expect(m->firing != NULL, 0))
		settle_firing(m);
}

__attribute__((noinline, noreturn)) static void service_nested(void)
{
	panic("alarm_mux: service called from inside an alarm callback");
}

/* --- hardware --------------------------------------------------------- */

static void hw_arm(struct alarm_mux *m, uint64_t deadline)
{
	m->hw->arm(m->hw->hw, deadline);
	m->hw_armed = true;
	m->hw_deadline = deadline;
	m->stats.hw_arms++;
}

static void hw_disarm(struct alarm_mux *m)
{
	m->hw->disarm(m->hw->hw);
	m->hw_armed = false;
	m->stats.hw_disarms++;
}

/* After a set or cancel: keep the hardware on the earliest deadline,
 * touching it only when that deadline changed. During a service round the
 * round itself updates the hardware once, at its end. */
static void hw_follow(struct alarm_mux *m)
{
	struct alarm *first;

	if (m->in_service)
		return;
	first = first_alarm(m);
	if (!first) {
		if (m->hw_armed)
			hw_disarm(m);
	} else if (!m->hw_armed || m->hw_deadline != first->deadline) {
		hw_arm(m, first->deadline);
	}
}

/* --- the set of armed alarms ------------------------------------------ */

static void unlink_alarm(struct alarm_mux *m, struct alarm *a)
{
	remove_alarm(m, a);
	a->left = a->right = NULL;
	a->armed = false;
	m->stats.armed--;
}

static void link_alarm(struct alarm_mux *m, struct alarm *a, uint64_t deadline)
{
	a->deadline = deadline;
	a->seq = m->next_seq++;
	/* The first alarm set during a service round: it and every later
	 * one wait for the next round (alarm_mux_service). */
	if (m->in_service && m->round_seq == ROUND_SEQ_NONE)
		m->round_seq = a->seq;
	insert_alarm(m, a);
	a->armed = true;
	m->stats.armed++;
}

static uint64_t cap_delay(uint64_t ticks)
{
	return ticks > ALARM_MUX_MAX_DELAY ? ALARM_MUX_MAX_DELAY : ticks;
}

/* --- public ----------------------------------------------------------- */

void alarm_mux_init(struct alarm_mux *m, const struct hil_alarm *hw)
{
	/* The conversions multiply a remainder below ticks_per_second by
	 * 10^6 in 64 bits; no real clock comes near this bound (18 THz). */
	KASSERT(hw->ticks_per_second != 0);
	KASSERT(hw->ticks_per_second <= UINT64_MAX / 1000000);
	*m = (struct alarm_mux){
		.hw = hw, .now_fn = hw->now, .now_hw = hw->hw, .round_seq = ROUND_SEQ_NONE
	};
	hw_disarm(m);
}

void alarm_init(struct alarm *a, const char *name, alarm_fired_fn fn, void *ctx)
{
	*a = (struct alarm){ .name = name, .fired_fn = fn, .ctx = ctx };
}

void alarm_set_oneshot(struct alarm_mux *m, struct alarm *a, uint64_t delay_ticks)
{
	uint64_t now = alarm_mux_now(m);

	settle(m);
	if (a->armed)
		unlink_alarm(m, a);
	a->period = 0;
	link_alarm(m, a, now + cap_delay(delay_ticks));
	hw_follow(m);
}

void alarm_set_periodic(struct alarm_mux *m, struct alarm *a, uint64_t period_ticks)
{
	uint64_t now = alarm_mux_now(m);

	if (period_ticks == 0) {
		log_warn("alarm_mux: periodic alarm '%s' with period 0; using 1 tick",
			 a->name ? a->name : "?");
		period_ticks = 1;
	}
	settle(m);
	if (a->armed)
		unlink_alarm(m, a);
	a->period = cap_delay(period_ticks);
	link_alarm(m, a, now + a->period);
	hw_follow(m);
}

void alarm_cancel(struct alarm_mux *m, struct alarm *a)
{
	settle(m);
	if (!a->armed)
		return;
	unlink_alarm(m, a);
	hw_follow(m);
}

/*
 * The head is due: take it and call its client, in O(1) (see "The head"
 * above). Nothing else is done first: the alarm is m->firing, and its
 * bookkeeping (settle_firing()) waits for the client to return or to call
 * into the mux, whichever comes first.
 */
static inline void fire_head(struct alarm_mux *m, struct alarm *a)
{
	m->head = NULL;
	m->firing = a;
	a->fired_fn(a->ctx, a);
}

/* Everything after a firing's client. Not inlined: the service's fast
 * path keeps only what it needs in registers. */
__attribute__((noinline)) static void after_fire(struct alarm_mux *m)
{
	struct alarm *a;

	/* A callback that ran the service itself (which ends its round with
	 * in_service false) is caught here, once it has returned: the check
	 * costs the way from the knock to the client nothing. */
	if (__builtin_expect(!m->in_service, 0))
		service_nested();
	settle(m);
	a = m->served;
	if (a) {
		/* Still on its grid (the client did not cancel or move it). */
		m->served = NULL;
		insert_alarm(m, a);
	}
	refill_head(m);
}

/* The end of a round: counters, then the hardware. */
__attribute__((noinline)) static void end_round(struct alarm_mux *m)
{
	struct alarm *first;

	/* Counted here, once the round's clients have run: not on the way
	 * from the knock to the first of them (timer_wake_latency). */
	m->stats.rounds++;
	if (!m->round_fired)
		m->stats.empty_rounds++;
	m->round_seq = ROUND_SEQ_NONE;
	observe_note_events(m->round_fired); /* for the trace */
	m->round_fired = 0;
	m->in_service = false;

	/* The one-shot that knocked is spent: arm again whenever any alarm is
	 * left, even for the same deadline (it may already have passed, then
	 * the hardware knocks at once and the next round fires it). */
	first = first_alarm(m);
	if (first)
		hw_arm(m, first->deadline);
	else if (m->hw_armed && deadline_before(m->round_now, m->hw_deadline))
		hw_disarm(m);
	else
		/* The hardware's deadline has passed: its one-shot has knocked
		 * (this round is that knock, or its knock is on the way and
		 * finds an empty round) and will not knock again, so there is
		 * nothing to disarm: the last alarm's upcall or wake-up does
		 * not wait for a timer write. */
		m->hw_armed = false;
}

void alarm_mux_service(void *mux)
{
	struct alarm_mux *m = mux;
	struct alarm *a;

	/* Whether a callback runs the service again is checked after the
	 * callback, in after_fire(): the flag is all this path pays. */
	m->in_service = true;

	/* The round's clock is kept in the mux, not in a register the
	 * service would have to save before it calls a client. Alarms set
	 * from now on (by callbacks) wait for the next round: link_alarm()
	 * notes the first of them in m->round_seq, so the service itself
	 * need not copy next_seq before the client runs. */
	uint64_t now = m->now_fn(m->now_hw); /* alarm_mux_now(), without its call */
	m->round_now = now;

	/* Every alarm set during the round has a key after every alarm due
	 * at `now` that was set before it (its deadline is >= now, and its
	 * seq larger), so the first alarm that is not due or is new ends the
	 * round. The head is the first alarm here: after_fire() refills it.
	 * The first head was set before the round began, so only its
	 * deadline is checked. */
	a = m->head;
	if (a && !deadline_before(now, a->deadline)) {
		for (;;) {
			fire_head(m, a);
			after_fire(m);
			a = m->head;
			now = m->round_now;
			if (!a || deadline_before(now, a->deadline) || a->seq >= m->round_seq)
				break;
		}
	}
	end_round(m);
}

struct alarm *alarm_mux_first(struct alarm_mux *m)
{
	settle(m);
	return first_alarm(m);
}

const struct alarm *alarm_read(struct alarm_mux *m, const struct alarm *a)
{
	if (a == m->firing)
		settle_firing(m);
	return a;
}

void alarm_mux_foreach(struct alarm_mux *m, void (*fn)(void *arg, struct alarm *a), void *arg)
{
	uint64_t walk_seq;
	struct alarm *a;

	settle(m);
	walk_seq = m->next_seq;
	a = first_alarm(m);

	while (a) {
		/* Save the key: fn may cancel or move a. */
		uint64_t deadline = a->deadline, seq = a->seq;
		if (seq < walk_seq)
			fn(arg, a);
		a = next_after(m, deadline, seq);
	}
}

uint64_t alarm_mux_now(const struct alarm_mux *m)
{
	return m->now_fn(m->now_hw);
}

/* x units of 1/per_second seconds, in ticks, saturating. */
static uint64_t to_ticks(const struct alarm_mux *m, uint64_t x, uint64_t per_second)
{
	uint64_t tps = m->hw->ticks_per_second;
	uint64_t whole = x / per_second, part = x % per_second;

	if (whole > UINT64_MAX / tps)
		return UINT64_MAX;
	whole *= tps;
	part = part * tps / per_second;
	return whole > UINT64_MAX - part ? UINT64_MAX : whole + part;
}

uint64_t alarm_mux_ms_to_ticks(const struct alarm_mux *m, uint64_t ms)
{
	return to_ticks(m, ms, 1000);
}

uint64_t alarm_mux_us_to_ticks(const struct alarm_mux *m, uint64_t us)
{
	return to_ticks(m, us, 1000000);
}

uint64_t alarm_mux_ticks_to_us(const struct alarm_mux *m, uint64_t ticks)
{
	uint64_t tps = m->hw->ticks_per_second;
	uint64_t seconds = ticks / tps, rest = ticks % tps;

	uint64_t whole, part;

	/* rest * 10^6 fits (rest < tps, bounded in alarm_mux_init); only a
	 * clock below 1 MHz can make seconds * 10^6 overflow: saturate. */
	if (seconds > UINT64_MAX / 1000000)
		return UINT64_MAX;
	whole = seconds * 1000000;
	part = rest * 1000000 / tps;
	return whole > UINT64_MAX - part ? UINT64_MAX : whole + part;
}
