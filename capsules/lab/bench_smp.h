/*
 * bench_smp: the SMP figures of `make bench` (tools/bench.py), measured in
 * the guest and printed as "bench: ..." lines. The kernel option
 * smpbench=ipi or smpbench=fair picks one (each wants its own QEMU set-up):
 *
 * - ipi (3 CPUs, or 2, under -icount shift=0, where the TSC counts
 *   instructions): CPU 2 (CPU 0 with 2 CPUs) waits until CPU 1 is asleep
 *   (past its loop's idle mark), reads the clock and knocks on CPU 1 (a
 *   cross-CPU call: bit, then wake-up IPI); CPU 1's client reads the clock
 *   first thing. The sample is the difference, minus one clock read: every
 *   guest instruction run in between, on both CPUs (icount runs one vCPU
 *   at a time, so this includes the sender finishing its round and going
 *   to sleep). CPU 0 prints: bench: ipi_wake_instructions min= median=
 *   max= samples= overhead= sender= target=
 *
 * - fair (4+ CPUs, no icount): CPUs 0-3 take one lock over and over
 *   (under it: a shared counter and one `pause`), counting their grants
 *   during BENCH_SMP_FAIR_MS from the moment all four contend: first the
 *   ticket lock, then the test-and-set lock, in one run. The time is the
 *   TSC's (wall-clock time under TCG). Prints:
 *   bench: lock_fairness lock=<name> cpus=4 ms= grants=a,b,c,d max_over_min=x.yyy
 *
 * - handover (all online CPUs, no icount): every CPU takes one lock over
 *   and over (the same critical section as fair) for BENCH_SMP_HANDOVER_MS
 *   from the moment all contend, counting grants and hand-overs (grants to
 *   another CPU than the last holder); the plain ticket lock, the parking
 *   ticket lock (knock's) and the test-and-set lock in turn, the three
 *   BENCH_SMP_HANDOVER_ROUNDS times over, interleaved so that a change in
 *   the host's load hits all three alike. Wall-clock (TSC) rates vary from
 *   run to run, so tools/bench.py takes the median of the rounds. Prints
 *   one line per lock and round, then the parking lock's counters:
 *   bench: lock_handover lock=<plain|parking|tas> cpus= round= ms= grants= handovers= per_s=
 *   bench: lock_handover_parking parks= kicks=
 *
 * All work from each CPU's loop through one cross-CPU call, in slices, so
 * the loops stay live.
 */
#ifndef KNOCK_CAPSULES_BENCH_SMP_H
#define KNOCK_CAPSULES_BENCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/cpu.h"
#include "kernel/lab/taslock.h"
#include "kernel/lab/ticketlock_plain.h"
#include "kernel/ticketlock.h"
#include "kernel/xcall.h"

#define BENCH_SMP_IPI_SAMPLES 31
#define BENCH_SMP_FAIR_CPUS 4
#define BENCH_SMP_FAIR_MS 2000
#define BENCH_SMP_SLICE_TURNS 1000 /* lock turns per loop callback */
#define BENCH_SMP_HANDOVER_MS 1000
#define BENCH_SMP_HANDOVER_ROUNDS 5

enum bench_smp_mode {
	BENCH_SMP_IPI,
	BENCH_SMP_FAIR,
	BENCH_SMP_HANDOVER,
};

/* The locks under test. */
enum bench_smp_lock {
	BENCH_LOCK_PLAIN,   /* ticket lock, spinning only */
	BENCH_LOCK_PARKING, /* knock's ticket lock */
	BENCH_LOCK_TAS,     /* test-and-test-and-set */
};

/* One CPU's part, on a cache line of its own. */
struct bench_smp_cpu {
	uint32_t go;     /* atomic: start this phase's work */
	uint32_t probe;  /* atomic: the IPI probe, read the clock */
	uint32_t report; /* atomic: CPU 0, print the IPI figure */
	bool working;
	uint64_t grants; /* this phase's, this CPU's own */
} __attribute__((aligned(64)));

struct bench_smp {
	struct xcall xc;
	enum bench_smp_mode mode;
	struct alarm_mux *mux; /* CPU 0's: converts ms to clock ticks */
	/* ipi */
	unsigned sender;     /* CPU 2 if there is one, else CPU 0 */
	uint64_t sent_at;    /* the sender writes it before the knock */
	uint64_t arrived_at; /* CPU 1 writes it before knocking back */
	uint32_t answered;   /* atomic */
	uint64_t overhead;
	uint64_t samples[BENCH_SMP_IPI_SAMPLES];
	unsigned count;
	/* fair and handover */
	unsigned phase; /* index into the mode's list of (lock, round) */
	unsigned phases;
	enum bench_smp_lock lock; /* this phase's */
	uint64_t mask;            /* CPUs taking part */
	unsigned cpus;            /* how many */
	uint64_t phase_ms;
	uint64_t deadline;   /* atomic: UINT64_MAX until all CPUs contend */
	uint32_t contending; /* atomic: CPUs that have started this phase */
	uint64_t finished;   /* atomic mask */
	struct ticketlock ticket;
	struct ticketlock_plain plain;
	struct taslock tas;
	uint64_t shared;    /* what the lock guards */
	unsigned last;      /* under the lock: id + 1 of the last holder */
	uint64_t handovers; /* under the lock: grants to another CPU than the last */
	uint64_t counting;  /* under the lock: 1 while the phase's deadline is set */
	bool done;
	struct bench_smp_cpu cpu[CPU_MAX];
};

/* Boot CPU, before the others start. */
void bench_smp_init(struct bench_smp *b, enum bench_smp_mode mode, struct alarm_mux *mux);
/* Every other CPU, before it goes online. */
void bench_smp_join(struct bench_smp *b);
/* Boot CPU, once the others are online. */
void bench_smp_start(struct bench_smp *b);

#endif
