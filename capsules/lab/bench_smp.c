/* The SMP figures (bench_smp.h). */
#include "capsules/lab/bench_smp.h"
#include "kernel/clock.h"
#include "kernel/cpus.h"
#include "kernel/log.h"
#include "kernel/lab/sort.h"

/* The IPI probe knocks from CPU 2 on CPU 1 (CPU 0 with 2 CPUs only): the
 * figure counts the sender's instructions until it halts too (icount runs
 * one vCPU at a time), and CPU 0's way to sleep is longer than the plain
 * `sti; hlt` of the others (the watchdog's tick, the stats observer). */
#define IPI_TARGET 1
#define IPI_SENDER_PREFERRED 2

/* --- ipi: knock on a sleeping CPU, until its client runs ---------------- */

/* On the sender: the next sample, or the report when all are in. */
static void ipi_next(struct bench_smp *b)
{
	struct cpu_info ci;

	if (b->count == BENCH_SMP_IPI_SAMPLES) {
		/* Only CPU 0 logs (the console's queue is its loop's). */
		__atomic_store_n(&b->cpu[0].report, 1, __ATOMIC_RELEASE);
		xcall_set(&b->xc, 0);
		return;
	}
	/* Only a sleeping target measures the wake-up: until it is, look
	 * again next round (this CPU's loop stays live meanwhile). */
	if (!cpus_info(IPI_TARGET, &ci) || !ci.idle) {
		xcall_set(&b->xc, b->sender);
		return;
	}
	__atomic_store_n(&b->cpu[IPI_TARGET].probe, 1, __ATOMIC_RELAXED);
	b->sent_at = clock_cycles();
	xcall_set(&b->xc, IPI_TARGET);
}

static void ipi_report(struct bench_smp *b)
{
	lab_sort_u64(b->samples, BENCH_SMP_IPI_SAMPLES);
	log_info("bench: ipi_wake_instructions min=%llu median=%llu max=%llu samples=%u "
		 "overhead=%llu sender=%u target=%u",
		 (unsigned long long)b->samples[0],
		 (unsigned long long)b->samples[BENCH_SMP_IPI_SAMPLES / 2],
		 (unsigned long long)b->samples[BENCH_SMP_IPI_SAMPLES - 1], BENCH_SMP_IPI_SAMPLES,
		 (unsigned long long)b->overhead, b->sender, IPI_TARGET);
}

/* --- fair and handover: CPUs on one lock for a fixed time ---------------- */

/* fair: knock's lock, then the test-and-set lock. handover: the three
 * locks in turn, BENCH_SMP_HANDOVER_ROUNDS times. */
static const enum bench_smp_lock handover_order[] = { BENCH_LOCK_PLAIN, BENCH_LOCK_PARKING,
						      BENCH_LOCK_TAS };
static const char *const fair_names[] = { "plain", "ticketlock", "taslock" };
static const char *const handover_names[] = { "plain", "parking", "tas" };

static bool takes_part(const struct bench_smp *b, unsigned id)
{
	return id < CPU_MAX && (b->mask & ((uint64_t)1 << id));
}

static void fair_start_phase(struct bench_smp *b)
{
	if (b->mode == BENCH_SMP_FAIR)
		b->lock = b->phase == 0 ? BENCH_LOCK_PARKING : BENCH_LOCK_TAS;
	else
		b->lock = handover_order[b->phase % 3];
	/* No deadline until the last of the CPUs has started (see below). */
	__atomic_store_n(&b->deadline, UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&b->contending, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b->finished, 0, __ATOMIC_RELAXED);
	b->handovers = 0;
	b->last = 0;
	for (unsigned id = 0; id < CPU_MAX; id++) {
		if (!takes_part(b, id))
			continue;
		b->cpu[id].grants = 0;
		__atomic_store_n(&b->cpu[id].go, 1, __ATOMIC_RELEASE);
	}
	for (unsigned id = 0; id < CPU_MAX; id++)
		if (takes_part(b, id))
			xcall_set(&b->xc, id);
}

static void take(struct bench_smp *b)
{
	switch (b->lock) {
	case BENCH_LOCK_PLAIN:
		ticketlock_plain_lock(&b->plain);
		break;
	case BENCH_LOCK_PARKING:
		ticketlock_lock(&b->ticket);
		break;
	case BENCH_LOCK_TAS:
		taslock_lock(&b->tas);
		break;
	}
}

static void release(struct bench_smp *b)
{
	switch (b->lock) {
	case BENCH_LOCK_PLAIN:
		ticketlock_plain_unlock(&b->plain);
		break;
	case BENCH_LOCK_PARKING:
		ticketlock_unlock(&b->ticket);
		break;
	case BENCH_LOCK_TAS:
		taslock_unlock(&b->tas);
		break;
	}
}

/*
 * What the lock guards: a shared counter, the last holder (a grant to
 * another CPU is a hand-over), and a `pause`, so the holder keeps the lock
 * long enough for the others to queue for it. Under QEMU's
 * tcg,thread=single the pause is also where the holder hands the host
 * thread to the next vCPU: without it, a CPU that finds the lock free runs
 * alone for a whole time slice and the figure shows time slices, not the
 * lock. A test-and-set lock then goes to whoever tries right after the
 * release (its holder, again and again); a ticket lock to the next ticket.
 */
static void critical_section(struct bench_smp *b, unsigned me, bool counting)
{
	b->shared++;
	if (b->last != me + 1) {
		b->last = me + 1;
		if (counting)
			b->handovers++;
	}
	cpus_relax();
}

/*
 * Grants count only while all the CPUs contend: from the moment the last
 * one starts (it sets the deadline, the phase's time later) to the
 * deadline. A CPU that starts early, while the others have not had their
 * knock yet (a vCPU thread the host has not scheduled), takes the lock
 * alone meanwhile, and that says nothing about the lock.
 */
static void fair_slice(struct bench_smp *b, unsigned me)
{
	struct bench_smp_cpu *c = &b->cpu[me];

	/* Slices of a fixed number of turns, not of time: every CPU leaves
	 * the lock's queue for its loop equally often. */
	for (unsigned turn = 0; turn < BENCH_SMP_SLICE_TURNS; turn++) {
		uint64_t deadline = __atomic_load_n(&b->deadline, __ATOMIC_ACQUIRE);
		if (clock_cycles() >= deadline)
			break;
		take(b);
		critical_section(b, me, deadline != UINT64_MAX);
		release(b);
		if (deadline != UINT64_MAX)
			c->grants++;
	}
	if (clock_cycles() < __atomic_load_n(&b->deadline, __ATOMIC_ACQUIRE)) {
		xcall_set(&b->xc, me);
		return;
	}
	c->working = false;
	__atomic_fetch_or(&b->finished, (uint64_t)1 << me, __ATOMIC_RELEASE);
	xcall_set(&b->xc, 0);
}

static void fair_begin(struct bench_smp *b)
{
	if (__atomic_add_fetch(&b->contending, 1, __ATOMIC_ACQ_REL) == b->cpus)
		__atomic_store_n(&b->deadline,
				 clock_cycles() + alarm_mux_ms_to_ticks(b->mux, b->phase_ms),
				 __ATOMIC_RELEASE);
}

static void fair_report(struct bench_smp *b)
{
	uint64_t g[BENCH_SMP_FAIR_CPUS], lo = UINT64_MAX, hi = 0;

	for (unsigned id = 0; id < BENCH_SMP_FAIR_CPUS; id++) {
		g[id] = b->cpu[id].grants;
		lo = g[id] < lo ? g[id] : lo;
		hi = g[id] > hi ? g[id] : hi;
	}
	/* A CPU that never got the lock counts as one grant: the ratio stays
	 * a number (the grants show the 0). */
	uint64_t ratio = hi * 1000 / (lo ? lo : 1);
	log_info("bench: lock_fairness lock=%s cpus=%u ms=%u grants=%llu,%llu,%llu,%llu "
		 "max_over_min=%llu.%03llu",
		 fair_names[b->lock], BENCH_SMP_FAIR_CPUS, BENCH_SMP_FAIR_MS,
		 (unsigned long long)g[0], (unsigned long long)g[1], (unsigned long long)g[2],
		 (unsigned long long)g[3], (unsigned long long)(ratio / 1000),
		 (unsigned long long)(ratio % 1000));
}

static void handover_report(struct bench_smp *b)
{
	uint64_t grants = 0;

	for (unsigned id = 0; id < CPU_MAX; id++)
		if (takes_part(b, id))
			grants += b->cpu[id].grants;
	log_info("bench: lock_handover lock=%s cpus=%u round=%u ms=%llu grants=%llu "
		 "handovers=%llu per_s=%llu",
		 handover_names[b->lock], b->cpus, b->phase / 3 + 1,
		 (unsigned long long)b->phase_ms, (unsigned long long)grants,
		 (unsigned long long)b->handovers,
		 (unsigned long long)(b->handovers * 1000 / b->phase_ms));
	if (b->phase + 1 == b->phases)
		log_info("bench: lock_handover_parking parks=%llu kicks=%llu",
			 (unsigned long long)__atomic_load_n(&b->ticket.parks, __ATOMIC_RELAXED),
			 (unsigned long long)__atomic_load_n(&b->ticket.kicks, __ATOMIC_RELAXED));
}

/* --- the one cross-CPU call ----------------------------------------------- */

static void knocked(void *ctx)
{
	struct bench_smp *b = ctx;
	unsigned me = cpus_this();

	if (__atomic_exchange_n(&b->cpu[me].probe, 0, __ATOMIC_ACQUIRE)) {
		b->arrived_at = clock_cycles();
		__atomic_store_n(&b->answered, 1, __ATOMIC_RELEASE);
		xcall_set(&b->xc, b->sender);
		return;
	}
	if (b->mode == BENCH_SMP_IPI) {
		if (me == 0 && __atomic_exchange_n(&b->cpu[0].report, 0, __ATOMIC_ACQUIRE))
			ipi_report(b);
		if (me != b->sender)
			return;
		if (__atomic_exchange_n(&b->answered, 0, __ATOMIC_ACQUIRE)) {
			uint64_t d = b->arrived_at - b->sent_at;
			b->samples[b->count++] = d > b->overhead ? d - b->overhead : 0;
		}
		if (__atomic_exchange_n(&b->cpu[me].go, 0, __ATOMIC_ACQUIRE) || b->count)
			ipi_next(b);
		return;
	}
	if (__atomic_exchange_n(&b->cpu[me].go, 0, __ATOMIC_ACQUIRE)) {
		b->cpu[me].working = true;
		fair_begin(b);
	}
	if (b->cpu[me].working)
		fair_slice(b, me);
	if (me != 0)
		return;

	if (b->done || __atomic_load_n(&b->finished, __ATOMIC_ACQUIRE) != b->mask)
		return;
	if (b->mode == BENCH_SMP_FAIR)
		fair_report(b);
	else
		handover_report(b);
	if (++b->phase < b->phases) {
		fair_start_phase(b);
		return;
	}
	b->done = true;
}

void bench_smp_init(struct bench_smp *b, enum bench_smp_mode mode, struct alarm_mux *mux)
{
	*b = (struct bench_smp){ .mode = mode,
				 .mux = mux,
				 .ticket = TICKETLOCK_INIT("bench"),
				 .plain = TICKETLOCK_PLAIN_INIT("bench plain") };
	xcall_init(&b->xc, "bench_smp");
	bench_smp_join(b);
}

void bench_smp_join(struct bench_smp *b)
{
	xcall_register(&b->xc, "bench_smp", knocked, b);
}

void bench_smp_start(struct bench_smp *b)
{
	unsigned online = cpus_in_mask(cpus_online_mask());

	if (b->mode == BENCH_SMP_IPI) {
		if (online < 2) {
			log_warn("bench: ipi_wake_instructions needs 2 cpus, %u online", online);
			return;
		}
		uint64_t a = clock_cycles();
		uint64_t c = clock_cycles();
		b->overhead = c - a;
		b->sender = cpus_is_online(IPI_SENDER_PREFERRED) ? IPI_SENDER_PREFERRED : 0;
		__atomic_store_n(&b->cpu[b->sender].go, 1, __ATOMIC_RELEASE);
		xcall_set(&b->xc, b->sender);
		return;
	}
	if (b->mode == BENCH_SMP_HANDOVER) {
		if (online < 2) {
			log_warn("bench: lock_handover needs 2 cpus, %u online", online);
			return;
		}
		b->mask = cpus_online_mask();
		b->cpus = online;
		b->phases = 3 * BENCH_SMP_HANDOVER_ROUNDS;
		b->phase_ms = BENCH_SMP_HANDOVER_MS;
		fair_start_phase(b);
		return;
	}
	if (online < BENCH_SMP_FAIR_CPUS) {
		log_warn("bench: lock_fairness needs %u cpus, %u online", BENCH_SMP_FAIR_CPUS,
			 online);
		return;
	}
	b->mask = ((uint64_t)1 << BENCH_SMP_FAIR_CPUS) - 1;
	b->cpus = BENCH_SMP_FAIR_CPUS;
	b->phases = 2;
	b->phase_ms = BENCH_SMP_FAIR_MS;
	fair_start_phase(b);
}
