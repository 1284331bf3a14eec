/* The SMP figures (bench_smp.h). */
#include "capsules/lab/bench_smp.h"
#include "kernel/clock.h"
#include "kernel/cpus.h"
#include "kernel/log.h"

/* The IPI probe knocks from CPU 2 on CPU 1 (CPU 0 with 2 CPUs only): the
 * figure counts the sender's instructions until it halts too (icount runs
 * one vCPU at a time), and CPU 0's way to sleep is longer than the plain
 * `sti; hlt` of the others (the watchdog's tick, the stats observer). */
#define IPI_TARGET 1
#define IPI_SENDER_PREFERRED 2

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

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
	sort(b->samples, BENCH_SMP_IPI_SAMPLES);
	log_info("bench: ipi_wake_instructions min=%llu median=%llu max=%llu samples=%u "
		 "overhead=%llu sender=%u target=%u",
		 (unsigned long long)b->samples[0],
		 (unsigned long long)b->samples[BENCH_SMP_IPI_SAMPLES / 2],
		 (unsigned long long)b->samples[BENCH_SMP_IPI_SAMPLES - 1], BENCH_SMP_IPI_SAMPLES,
		 (unsigned long long)b->overhead, b->sender, IPI_TARGET);
}

/* --- fair: 4 CPUs on one lock for a fixed time --------------------------- */

static void fair_start_phase(struct bench_smp *b)
{
	/* No deadline until the last of the CPUs has started (see below). */
	__atomic_store_n(&b->deadline, UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&b->contending, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b->finished, 0, __ATOMIC_RELAXED);
	for (unsigned id = 0; id < BENCH_SMP_FAIR_CPUS; id++) {
		b->cpu[id].grants = 0;
		__atomic_store_n(&b->cpu[id].go, 1, __ATOMIC_RELEASE);
	}
	for (unsigned id = 0; id < BENCH_SMP_FAIR_CPUS; id++)
		xcall_set(&b->xc, id);
}

/*
 * What the lock guards: a shared counter, and a `pause`, so the holder
 * keeps the lock long enough for the others to queue for it. Under QEMU's
 * tcg,thread=single the pause is also where the holder hands the host
 * thread to the next vCPU: without it, a CPU that finds the lock free runs
 * alone for a whole time slice and the figure shows time slices, not the
 * lock. A test-and-set lock then goes to whoever tries right after the
 * release (its holder, again and again); a ticket lock to the next ticket.
 */
static void critical_section(struct bench_smp *b)
{
	b->shared++;
	cpus_relax();
}

/*
 * Grants count only while all the CPUs contend: from the moment the last
 * one starts (it sets the deadline, BENCH_SMP_FAIR_MS later) to the
 * deadline. A CPU that starts early, while the others have not had their
 * knock yet (a vCPU thread the host has not scheduled), takes the lock
 * alone meanwhile, and that says nothing about fairness.
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
		if (b->phase == 0) {
			ticketlock_lock(&b->ticket);
			critical_section(b);
			ticketlock_unlock(&b->ticket);
		} else {
			taslock_lock(&b->tas);
			critical_section(b);
			taslock_unlock(&b->tas);
		}
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
	if (__atomic_add_fetch(&b->contending, 1, __ATOMIC_ACQ_REL) == BENCH_SMP_FAIR_CPUS)
		__atomic_store_n(&b->deadline,
				 clock_cycles() + alarm_mux_ms_to_ticks(b->mux, BENCH_SMP_FAIR_MS),
				 __ATOMIC_RELEASE);
}

static void fair_report(struct bench_smp *b)
{
	static const char *const names[] = { "ticketlock", "taslock" };
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
		 names[b->phase], BENCH_SMP_FAIR_CPUS, BENCH_SMP_FAIR_MS, (unsigned long long)g[0],
		 (unsigned long long)g[1], (unsigned long long)g[2], (unsigned long long)g[3],
		 (unsigned long long)(ratio / 1000), (unsigned long long)(ratio % 1000));
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

	uint64_t all = ((uint64_t)1 << BENCH_SMP_FAIR_CPUS) - 1;
	if (b->done || __atomic_load_n(&b->finished, __ATOMIC_ACQUIRE) != all)
		return;
	fair_report(b);
	if (b->phase++ == 0) {
		fair_start_phase(b);
		return;
	}
	b->done = true;
}

void bench_smp_init(struct bench_smp *b, enum bench_smp_mode mode, struct alarm_mux *mux)
{
	*b = (struct bench_smp){ .mode = mode, .mux = mux, .ticket = TICKETLOCK_INIT("bench") };
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
	if (online < BENCH_SMP_FAIR_CPUS) {
		log_warn("bench: lock_fairness needs %u cpus, %u online", BENCH_SMP_FAIR_CPUS,
			 online);
		return;
	}
	fair_start_phase(b);
}
