/*
 * A latency histogram with a fixed size: exact count, sum, min and max,
 * and percentiles to within 1/8 of the value.
 *
 * Buckets are log-linear: values 0..7 have a bucket each; above that,
 * every power of two [2^k, 2^(k+1)) is cut into 8 equal buckets. So a
 * bucket is never wider than 1/8 of its lower bound, whatever the scale
 * (a 40-cycle callback and a 20 ms one are both resolved to 12.5%), and
 * 272 buckets cover everything below 2^36 cycles (over 20 s at 3 GHz);
 * larger values share the last bucket. A percentile is reported as the
 * top of the bucket it falls in, clamped to [min, max]: never below the
 * true value, at most 12.5% above it. min, max, count and sum are exact.
 * Bucket counts are 32-bit (the kernel image is small: boot/linker.ld);
 * percentiles are exact until one bucket has seen 4 billion samples.
 *
 * latency_hist_add() may run on several CPUs at once for one histogram:
 * every update is a relaxed atomic, so no sample is lost. Readers see
 * each counter whole but not all of them from the same instant.
 */
#ifndef KNOCK_KERNEL_LATENCY_HIST_H
#define KNOCK_KERNEL_LATENCY_HIST_H

#include <stdint.h>

#define LATENCY_HIST_SUB_BITS 3 /* 8 buckets per power of two */
#define LATENCY_HIST_TOP_BITS 36
#define LATENCY_HIST_BUCKETS \
	((1u << LATENCY_HIST_SUB_BITS) * (LATENCY_HIST_TOP_BITS - LATENCY_HIST_SUB_BITS + 1))

struct latency_hist {
	uint64_t count;
	uint64_t sum;
	/* ~min, so that all zeroes (a static histogram, a reset one) means
	 * "no minimum yet" and both bounds grow with an atomic max. */
	uint64_t min_complement;
	uint64_t max;
	uint32_t buckets[LATENCY_HIST_BUCKETS];
};

/* Empty it (a zero-filled histogram is empty too). */
void latency_hist_reset(struct latency_hist *h);
void latency_hist_add(struct latency_hist *h, uint64_t value);

/* Exact smallest and largest sample; 0 for an empty histogram. */
uint64_t latency_hist_min(const struct latency_hist *h);
uint64_t latency_hist_max(const struct latency_hist *h);

/* The bucket a value falls in, and the largest value of a bucket. Pure;
 * exposed for tests. */
unsigned latency_hist_bucket(uint64_t value);
uint64_t latency_hist_bucket_top(unsigned bucket);

/* The smallest value v (to bucket precision) such that at least
 * per_mille/1000 of the samples are <= v; 0 for an empty histogram.
 * per_mille 500 is the median, 990 the p99. */
uint64_t latency_hist_percentile(const struct latency_hist *h, unsigned per_mille);

/* Add every sample of `from` into `into` (merging CPUs or bits). */
void latency_hist_merge(struct latency_hist *into, const struct latency_hist *from);

#endif
