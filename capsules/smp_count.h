/*
 * smp_count: the `smptest` workload. Every online CPU increments two
 * shared counters n times: one under a ticket lock, one with an atomic
 * add (`lock xadd`). Both totals must come out as n times the number of
 * CPUs; a lock that lets two CPUs in at once loses updates and shows.
 *
 * Each CPU works in its own loop, in slices of SMP_COUNT_SLICE increments
 * per call (it knocks on itself between slices), so every loop keeps
 * answering its other bits during a long run (CPU 0: keyboard, console).
 * The CPU that started the run gets the totals through its callback once
 * every CPU has reported.
 *
 * The time limit holds on every CPU: each one checks the clock before
 * every increment and stops at the limit (reporting like a CPU that is
 * done), so a run that is too slow ends within one lock hand-over of its
 * limit, whichever CPU is slow, and the counters it reports are final.
 * Only a CPU that does not report even SMP_COUNT_GRACE_MS after the limit
 * (stuck, not merely slow) is left out, by the starter's alarm.
 *
 * One cross-CPU call (kernel/xcall.h) carries everything: per-CPU `go`
 * flags and a `finished` mask say what each knock is for.
 */
#ifndef KNOCK_CAPSULES_SMP_COUNT_H
#define KNOCK_CAPSULES_SMP_COUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/cpu.h"
#include "kernel/ticketlock.h"
#include "kernel/xcall.h"

#define SMP_COUNT_SLICE 1000
#define SMP_COUNT_MAX_N 100000000ull
#define SMP_COUNT_TIMEOUT_MS 60000     /* the default limit */
#define SMP_COUNT_MAX_LIMIT_MS 3600000 /* the largest limit `smptest` takes */
#define SMP_COUNT_GRACE_MS 5000        /* after the limit: a CPU that has not stopped is stuck */

struct smp_count_result {
	unsigned cpus;         /* CPUs that took part */
	uint64_t per_cpu;      /* n */
	uint64_t locked_total; /* the ticket-locked counter */
	uint64_t atomic_total; /* the lock xadd counter */
	uint64_t expected;     /* cpus * n */
	uint64_t stopped;      /* mask of CPUs that stopped at the limit, short of n */
	uint64_t unfinished;   /* mask of CPUs that had not even stopped after the grace */
	uint64_t limit_ms;     /* the run's limit */
	uint64_t us;           /* start to the last report */
};

typedef void (*smp_count_done_fn)(void *ctx, const struct smp_count_result *r);

/* One CPU's part, on a cache line of its own. */
struct smp_count_cpu {
	uint32_t go;  /* set by the starter: begin a run */
	bool working; /* this CPU's own from here down */
	uint64_t left;
	uint64_t last_xadd; /* the value lock xadd returned last */
} __attribute__((aligned(64)));

struct smp_count {
	struct xcall xc;
	struct ticketlock lock;
	uint64_t locked_counter; /* guarded by `lock` */
	uint64_t atomic_counter; /* only through __atomic_fetch_add */
	/* The run: written by the starter before it raises the go flags. */
	uint64_t per_cpu;
	uint64_t deadline; /* clock_cycles() at the limit; UINT64_MAX: none */
	uint64_t limit_ms;
	uint64_t participants;
	unsigned starter;
	uint64_t finished; /* CPUs done or stopped at the limit, atomic */
	uint64_t stopped;  /* CPUs stopped at the limit, atomic */
	/* The starter's own. */
	bool running; /* a callback is owed */
	bool busy;    /* a run's CPUs are not all done (even after a timeout) */
	uint64_t started_at;
	struct alarm_mux *mux;
	struct alarm timeout;
	smp_count_done_fn done;
	void *done_ctx;
	struct smp_count_cpu cpu[CPU_MAX];
};

/* On the boot CPU, before the other CPUs start: declare the cross-CPU
 * call and answer it on this CPU. */
void smp_count_init(struct smp_count *t);
/* On every other CPU, before it goes online: answer the call there too. */
void smp_count_join(struct smp_count *t);

/*
 * Start a run of n increments per online CPU; done(ctx, result) comes
 * later on this CPU, from its loop. `mux` (this CPU's; may be NULL: no
 * limit) converts the limit of `limit_ms` (0: SMP_COUNT_TIMEOUT_MS) to
 * clock ticks and holds the grace alarm. Returns -1 if a run is still
 * going, 0 otherwise.
 */
int smp_count_start(struct smp_count *t, uint64_t n, uint64_t limit_ms, struct alarm_mux *mux,
		    smp_count_done_fn done, void *ctx);

#endif
