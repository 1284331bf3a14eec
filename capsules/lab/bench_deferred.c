#include "capsules/lab/bench_deferred.h"
#include "kernel/clock.h"
#include "kernel/log.h"

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

/* Not inlined: the measured client stays small, so its prologue (part of
 * the measured path) is what any small client would pay, not the cost of
 * saving registers for the sort. */
__attribute__((noinline)) static void report(struct bench_deferred *b)
{
	sort(b->samples, BENCH_DEFERRED_SAMPLES);
	log_info("bench: deferred_call_instructions min=%llu median=%llu max=%llu samples=%u "
		 "overhead=%llu",
		 (unsigned long long)b->samples[0],
		 (unsigned long long)b->samples[BENCH_DEFERRED_SAMPLES / 2],
		 (unsigned long long)b->samples[BENCH_DEFERRED_SAMPLES - 1], BENCH_DEFERRED_SAMPLES,
		 (unsigned long long)b->overhead);
}

static void bench_deferred_fire(void *ctx)
{
	uint64_t now = clock_cycles();
	struct bench_deferred *b = ctx;
	uint64_t d = now - b->started;
	b->samples[b->count++] = d > b->overhead ? d - b->overhead : 0;
	if (b->count == BENCH_DEFERRED_SAMPLES) {
		report(b);
		return;
	}
	b->started = clock_cycles();
	deferred_call_set(&b->dc);
}

void bench_deferred_init(struct bench_deferred *b)
{
	b->count = 0;
	deferred_call_init(&b->dc, "bench_deferred");
	deferred_call_register(&b->dc, "bench_deferred", bench_deferred_fire, b);
}

void bench_deferred_start(struct bench_deferred *b)
{
	/* Two back-to-back reads: what one clock read adds to a delta. */
	uint64_t a = clock_cycles();
	uint64_t c = clock_cycles();
	b->overhead = c - a;
	b->count = 0;
	b->started = clock_cycles();
	deferred_call_set(&b->dc);
}
