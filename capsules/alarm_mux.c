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
 */
#include "capsules/alarm_mux.h"
#include "kernel/log.h"
#include "kernel/observe.h"
#include "kernel/panic.h"

/* --- keys ------------------------------------------------------------- */

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

/* Recursive on purpose: an AVL tree is at most 1.44 log2(n) deep. */
static struct alarm *tree_insert(struct alarm *root, struct alarm *a) // NOLINT(misc-no-recursion)
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
	first = tree_first(m->root);
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
	m->root = tree_remove(m->root, a);
	a->left = a->right = NULL;
	a->armed = false;
	m->stats.armed--;
}

static void link_alarm(struct alarm_mux *m, struct alarm *a, uint64_t deadline)
{
	a->deadline = deadline;
	a->seq = m->next_seq++;
	m->root = tree_insert(m->root, a);
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
	*m = (struct alarm_mux){ .hw = hw };
	hw_disarm(m);
}

void alarm_init(struct alarm *a, const char *name, alarm_fired_fn fn, void *ctx)
{
	*a = (struct alarm){ .name = name, .fired_fn = fn, .ctx = ctx };
}

void alarm_set_oneshot(struct alarm_mux *m, struct alarm *a, uint64_t delay_ticks)
{
	uint64_t now = alarm_mux_now(m);

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
	if (a->armed)
		unlink_alarm(m, a);
	a->period = cap_delay(period_ticks);
	link_alarm(m, a, now + a->period);
	hw_follow(m);
}

void alarm_cancel(struct alarm_mux *m, struct alarm *a)
{
	if (!a->armed)
		return;
	unlink_alarm(m, a);
	hw_follow(m);
}

/* Fire one due alarm, already unlinked. A periodic alarm goes back on its
 * grid BEFORE its callback runs, so the callback sees it armed and may
 * cancel or move it like any other armed alarm. */
static void fire(struct alarm_mux *m, struct alarm *a, uint64_t now)
{
	uint64_t late = now - a->deadline;

	if (late > m->stats.max_lateness)
		m->stats.max_lateness = late;
	a->last_deadline = a->deadline;
	if (a->period) {
		/* Grid points in (deadline, now] are skipped; the next one
		 * is strictly after now, so it cannot fire in this round. */
		uint64_t skipped = late / a->period;
		a->missed += skipped;
		m->stats.missed += skipped;
		link_alarm(m, a, a->deadline + (skipped + 1) * a->period);
	}
	a->fired++;
	m->stats.fired++;
	a->fired_fn(a->ctx, a);
}

void alarm_mux_service(void *mux)
{
	struct alarm_mux *m = mux;
	uint64_t now, round_seq;
	struct alarm *a, *first;
	uint64_t fired_before = m->stats.fired;

	if (m->in_service)
		panic("alarm_mux: service called from inside an alarm callback");
	m->in_service = true;
	m->stats.rounds++;
	now = alarm_mux_now(m);
	/* Alarms set from now on (by callbacks) wait for the next round. */
	round_seq = m->next_seq;

	/* Every alarm set during the round has a key after every alarm due
	 * at `now` that was set before it (its deadline is >= now, and its
	 * seq larger), so the first alarm that is not due or is new ends the
	 * round. */
	while ((a = tree_first(m->root)) && !deadline_before(now, a->deadline) &&
	       a->seq < round_seq) {
		unlink_alarm(m, a);
		fire(m, a, now);
	}
	if (m->stats.fired == fired_before)
		m->stats.empty_rounds++;
	observe_note_events((uint32_t)(m->stats.fired - fired_before)); /* for the trace */
	m->in_service = false;

	/* The one-shot that knocked is spent: arm again whenever any alarm is
	 * left, even for the same deadline (it may already have passed, then
	 * the hardware knocks at once and the next round fires it). */
	first = tree_first(m->root);
	if (first)
		hw_arm(m, first->deadline);
	else if (m->hw_armed)
		hw_disarm(m);
}

struct alarm *alarm_mux_first(const struct alarm_mux *m)
{
	return tree_first(m->root);
}

void alarm_mux_foreach(struct alarm_mux *m, void (*fn)(void *arg, struct alarm *a), void *arg)
{
	uint64_t walk_seq = m->next_seq;
	struct alarm *a = tree_first(m->root);

	while (a) {
		/* Save the key: fn may cancel or move a. */
		uint64_t deadline = a->deadline, seq = a->seq;
		if (seq < walk_seq)
			fn(arg, a);
		a = tree_next_after(m->root, deadline, seq);
	}
}

uint64_t alarm_mux_now(const struct alarm_mux *m)
{
	return m->hw->now(m->hw->hw);
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
