/* Every CPU knocks on every other (smp_ping.h). */
#include "capsules/smp_ping.h"
#include "kernel/clock.h"
#include "kernel/cpus.h"
#include "kernel/string.h"

static uint64_t bit(unsigned id)
{
	return (uint64_t)1 << id;
}

static void report(struct smp_ping *p)
{
	struct smp_ping_result *r = &p->result;
	unsigned n = (unsigned)cpus_in_mask(p->participants);

	memset(r, 0, sizeof(*r));
	r->participants = p->participants;
	r->pairs = n * (n - 1);
	/* A CPU's answers and round trips are its own until it sets its
	 * finished bit (release); after the acquire of that mask they are
	 * final. For a CPU still waiting (a timeout) its `got` is read while
	 * it may still change: only for the report of what is missing. */
	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (!(p->participants & bit(i)))
			continue;
		const struct smp_ping_cpu *c = &p->cpu[i];
		r->answers[i] = __atomic_load_n(&c->got, __ATOMIC_RELAXED) & p->participants;
		r->answered += (unsigned)cpus_in_mask(r->answers[i] & ~bit(i));
		for (unsigned j = 0; j < CPU_MAX; j++) {
			if (!(r->answers[i] & bit(j)) || i == j)
				continue;
			uint64_t us = p->mux ? alarm_mux_ticks_to_us(p->mux, c->rtt_cycles[j]) : 0;
			r->rtt_us[i][j] = us;
			if (us > r->slowest_us)
				r->slowest_us = us;
		}
	}
	if (p->mux)
		alarm_cancel(p->mux, &p->timeout);
	p->running = false;
	p->done(p->done_ctx, r);
}

static void knocked(void *ctx)
{
	struct smp_ping *p = ctx;
	unsigned me = cpus_this();
	struct smp_ping_cpu *c = &p->cpu[me];

	if (__atomic_exchange_n(&c->go, 0, __ATOMIC_ACQUIRE)) {
		c->got = bit(me);
		c->done = false;
		c->sent_at = clock_cycles();
		for (unsigned j = 0; j < CPU_MAX; j++) {
			if (j == me || !(p->participants & bit(j)))
				continue;
			__atomic_fetch_or(&p->cpu[j].knocked_by, bit(me), __ATOMIC_RELEASE);
			xcall_set(&p->xc, j);
		}
	}
	/* Answer everyone who knocked. */
	uint64_t from = __atomic_exchange_n(&c->knocked_by, 0, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; from; i++, from >>= 1) {
		if (!(from & 1))
			continue;
		__atomic_fetch_or(&p->cpu[i].answered_by, bit(me), __ATOMIC_RELEASE);
		xcall_set(&p->xc, i);
	}
	/* Take the answers to our own knocks. */
	uint64_t answers = __atomic_exchange_n(&c->answered_by, 0, __ATOMIC_ACQUIRE);
	if (answers) {
		uint64_t now = clock_cycles();
		for (unsigned j = 0; j < CPU_MAX; j++)
			if (answers & bit(j) & ~c->got)
				c->rtt_cycles[j] = now - c->sent_at;
		__atomic_store_n(&c->got, c->got | answers, __ATOMIC_RELAXED);
	}
	if (!c->done && c->got == p->participants && p->participants) {
		c->done = true;
		__atomic_fetch_or(&p->finished, bit(me), __ATOMIC_RELEASE);
		xcall_set(&p->xc, p->starter);
	}
	if (me == p->starter && p->busy &&
	    __atomic_load_n(&p->finished, __ATOMIC_ACQUIRE) == p->participants) {
		p->busy = false;
		if (p->running)
			report(p);
	}
}

static void timed_out(void *ctx, struct alarm *a)
{
	struct smp_ping *p = ctx;

	(void)a;
	if (p->running)
		report(p);
}

void smp_ping_init(struct smp_ping *p)
{
	memset(p, 0, sizeof(*p));
	xcall_init(&p->xc, "ping");
	smp_ping_join(p);
}

void smp_ping_join(struct smp_ping *p)
{
	xcall_register(&p->xc, "ping", knocked, p);
}

int smp_ping_start(struct smp_ping *p, struct alarm_mux *mux, smp_ping_done_fn done, void *ctx)
{
	if (p->busy)
		return -1;
	p->busy = p->running = true;
	p->starter = cpus_this();
	p->mux = mux;
	p->done = done;
	p->done_ctx = ctx;
	p->participants = cpus_online_mask();
	__atomic_store_n(&p->finished, 0, __ATOMIC_RELAXED);
	if (mux) {
		alarm_init(&p->timeout, "ping timeout", timed_out, p);
		alarm_set_oneshot(mux, &p->timeout,
				  alarm_mux_ms_to_ticks(mux, SMP_PING_TIMEOUT_MS));
	}
	for (unsigned id = 0; id < CPU_MAX; id++) {
		if (!(p->participants & bit(id)))
			continue;
		__atomic_store_n(&p->cpu[id].go, 1, __ATOMIC_RELEASE);
		xcall_set(&p->xc, id);
	}
	return 0;
}
