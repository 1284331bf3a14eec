/* The smptest workload (smp_count.h). */
#include "capsules/smp_count.h"
#include "kernel/clock.h"
#include "kernel/cpus.h"

static void report(struct smp_count *t, uint64_t unfinished)
{
	struct smp_count_result r = {
		.cpus = (unsigned)cpus_in_mask(t->participants),
		.per_cpu = t->per_cpu,
		.expected = t->per_cpu * (uint64_t)cpus_in_mask(t->participants),
		.stopped = __atomic_load_n(&t->stopped, __ATOMIC_ACQUIRE),
		.unfinished = unfinished,
		.limit_ms = t->limit_ms,
	};
	/* The finished mask was read with acquire, and each CPU's last unlock
	 * and add came before its release of its bit: the totals are final
	 * for every finished CPU. */
	ticketlock_lock(&t->lock);
	r.locked_total = t->locked_counter;
	ticketlock_unlock(&t->lock);
	r.atomic_total = __atomic_load_n(&t->atomic_counter, __ATOMIC_RELAXED);
	if (t->mux) {
		r.us = alarm_mux_ticks_to_us(t->mux, clock_cycles() - t->started_at);
		alarm_cancel(t->mux, &t->timeout);
	}
	t->running = false;
	t->done(t->done_ctx, &r);
}

static void work_slice(struct smp_count *t, unsigned me)
{
	struct smp_count_cpu *c = &t->cpu[me];

	bool stop = false;
	for (unsigned i = 0; i < SMP_COUNT_SLICE && c->left; i++, c->left--) {
		/* The limit, on every CPU and before every turn: a slow lock
		 * cannot keep any CPU, the starter included, past it by more
		 * than one hand-over. */
		if (clock_cycles() >= t->deadline) {
			stop = true;
			break;
		}
		ticketlock_lock(&t->lock);
		t->locked_counter++;
		ticketlock_unlock(&t->lock);
		/* The result is used, so this stays a lock xadd. */
		c->last_xadd = __atomic_fetch_add(&t->atomic_counter, 1, __ATOMIC_RELAXED);
	}
	if (c->left && !stop) {
		xcall_set(&t->xc, me); /* the next slice, next round */
		return;
	}
	c->working = false;
	if (stop)
		__atomic_fetch_or(&t->stopped, (uint64_t)1 << me, __ATOMIC_RELAXED);
	__atomic_fetch_or(&t->finished, (uint64_t)1 << me, __ATOMIC_RELEASE);
	xcall_set(&t->xc, t->starter);
}

static void knocked(void *ctx)
{
	struct smp_count *t = ctx;
	unsigned me = cpus_this();
	struct smp_count_cpu *c = &t->cpu[me];

	if (__atomic_exchange_n(&c->go, 0, __ATOMIC_ACQUIRE)) {
		c->left = t->per_cpu;
		c->working = true;
	}
	if (c->working)
		work_slice(t, me);
	if (me != t->starter || !t->busy)
		return;
	uint64_t finished = __atomic_load_n(&t->finished, __ATOMIC_ACQUIRE);
	if (finished != t->participants)
		return;
	t->busy = false;
	if (t->running)
		report(t, 0);
}

/* SMP_COUNT_GRACE_MS past the limit, some CPU has not even stopped. */
static void timed_out(void *ctx, struct alarm *a)
{
	struct smp_count *t = ctx;

	(void)a;
	if (t->running)
		report(t, t->participants & ~__atomic_load_n(&t->finished, __ATOMIC_ACQUIRE));
}

void smp_count_init(struct smp_count *t)
{
	*t = (struct smp_count){ .lock = TICKETLOCK_INIT("smptest") };
	xcall_init(&t->xc, "smptest");
	smp_count_join(t);
}

void smp_count_join(struct smp_count *t)
{
	xcall_register(&t->xc, "smptest", knocked, t);
}

int smp_count_start(struct smp_count *t, uint64_t n, uint64_t limit_ms, struct alarm_mux *mux,
		    smp_count_done_fn done, void *ctx)
{
	if (t->busy)
		return -1;
	unsigned me = cpus_this();
	t->busy = t->running = true;
	t->starter = me;
	t->done = done;
	t->done_ctx = ctx;
	t->mux = mux;
	t->per_cpu = n;
	t->participants = cpus_online_mask();
	ticketlock_lock(&t->lock);
	t->locked_counter = 0;
	ticketlock_unlock(&t->lock);
	__atomic_store_n(&t->atomic_counter, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->finished, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->stopped, 0, __ATOMIC_RELAXED);
	t->limit_ms = limit_ms ? limit_ms : SMP_COUNT_TIMEOUT_MS;
	t->started_at = clock_cycles();
	t->deadline = UINT64_MAX;
	if (mux) {
		/* The clock ticks of every CPU are the mux's (the TSC). */
		t->deadline = t->started_at + alarm_mux_ms_to_ticks(mux, t->limit_ms);
		alarm_init(&t->timeout, "smptest timeout", timed_out, t);
		alarm_set_oneshot(mux, &t->timeout,
				  alarm_mux_ms_to_ticks(mux, t->limit_ms + SMP_COUNT_GRACE_MS));
	}
	for (unsigned id = 0; id < CPU_MAX; id++) {
		if (!(t->participants & ((uint64_t)1 << id)))
			continue;
		__atomic_store_n(&t->cpu[id].go, 1, __ATOMIC_RELEASE);
		if (!xcall_set(&t->xc, id)) /* went offline: count it as done */
			__atomic_fetch_or(&t->finished, (uint64_t)1 << id, __ATOMIC_RELEASE);
	}
	return 0;
}
