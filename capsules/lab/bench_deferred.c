#include <stdbool.h>

#include "capsules/lab/bench_deferred.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/lab/sort.h"

/* Not inlined: the measured client stays small, so its prologue (part of
 * the measured path) is what any small client would pay, not the cost of
 * saving registers for the sort. */
__attribute__((noinline)) static void report(struct bench_deferred *b)
{
	lab_sort_u64(b->samples, BENCH_DEFERRED_SAMPLES);
	log_info("bench: deferred_call_instructions min=%llu median=%llu max=%llu samples=%u "
		 "overhead=%llu",
		 (unsigned long long)b->samples[0],
		 (unsigned long long)b->samples[BENCH_DEFERRED_SAMPLES / 2],
		 (unsigned long long)b->samples[BENCH_DEFERRED_SAMPLES - 1], BENCH_DEFERRED_SAMPLES,
		 (unsigned long long)b->overhead);
}

/*
 * The bench runs once at a time (the board makes one), and the measured
 * client reaches its state through these file-scope objects rather than
 * through its ctx argument: so it keeps nothing in a register across its
 * first clock read (its prologue is the frame pointer's push and move that
 * any client pays, not the bench's own register saves), and setting the
 * call loads its mask and CPU straight from `dc`, as a capsule's own
 * deferred call would be (one load each, no pointer to follow first).
 */
static struct bench_deferred *current;
static struct deferred_call dc;
static uint64_t started;

/* Record one sample; false once the last one is in (and reported). */
__attribute__((noinline)) static bool take_sample(uint64_t now)
{
	struct bench_deferred *b = current;
	uint64_t d = now - started;

	b->samples[b->count++] = d > b->overhead ? d - b->overhead : 0;
	if (b->count < BENCH_DEFERRED_SAMPLES)
		return true;
	report(b);
	return false;
}

/* The measured client. Its clock read comes first; the set of the next
 * call is its last act, so what follows the set is only its epilogue. */
static void bench_deferred_fire(void *ctx)
{
	uint64_t now = clock_cycles();

	(void)ctx;
	if (!take_sample(now))
		return;
	started = clock_cycles();
	deferred_call_set(&dc);
}

void bench_deferred_init(struct bench_deferred *b)
{
	b->count = 0;
	current = b;
	deferred_call_init(&dc, "bench_deferred");
	deferred_call_register(&dc, "bench_deferred", bench_deferred_fire, b);
}

void bench_deferred_start(struct bench_deferred *b)
{
	/* The instrument's own cost, measured the way the samples use it:
	 * a clock read whose result is stored, then the next clock read.
	 * Subtracted from every sample. */
	started = clock_cycles();
	uint64_t c = clock_cycles();
	b->overhead = c - started;
	b->count = 0;
	started = clock_cycles();
	deferred_call_set(&dc);
}
