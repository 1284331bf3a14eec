/* Log-linear latency histogram (see latency_hist.h). */
#include <stdbool.h>

#include "latency_hist.h"

#include "string.h"

#define SUB (1u << LATENCY_HIST_SUB_BITS)

unsigned latency_hist_bucket(uint64_t value)
{
	if (value < SUB)
		return (unsigned)value;
	unsigned msb = 63u - (unsigned)__builtin_clzll(value);
	if (msb >= LATENCY_HIST_TOP_BITS)
		return LATENCY_HIST_BUCKETS - 1;
	unsigned shift = msb - LATENCY_HIST_SUB_BITS;
	unsigned sub = (unsigned)(value >> shift) & (SUB - 1);
	return SUB + shift * SUB + sub;
}

uint64_t latency_hist_bucket_top(unsigned bucket)
{
	if (bucket < SUB)
		return bucket;
	if (bucket >= LATENCY_HIST_BUCKETS)
		bucket = LATENCY_HIST_BUCKETS - 1;
	unsigned shift = (bucket - SUB) / SUB;
	uint64_t sub = (bucket - SUB) % SUB;
	uint64_t low = (SUB + sub) << shift;
	return low + ((uint64_t)1 << shift) - 1;
}

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > old &&
	       !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void latency_hist_add(struct latency_hist *h, uint64_t value)
{
	__atomic_fetch_add(&h->buckets[latency_hist_bucket(value)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum, value, __ATOMIC_RELAXED);
	atomic_max(&h->max, value);
	atomic_max(&h->min_complement, ~value);
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
}

void latency_hist_reset(struct latency_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t latency_hist_min(const struct latency_hist *h)
{
	return h->count ? ~h->min_complement : 0;
}

uint64_t latency_hist_max(const struct latency_hist *h)
{
	return h->count ? h->max : 0;
}

uint64_t latency_hist_percentile(const struct latency_hist *h, unsigned per_mille)
{
	uint64_t total = 0;

	/* Count from the buckets, not h->count: an add running on another
	 * CPU may have bumped one and not yet the other. */
	for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++)
		total += h->buckets[b];
	if (total == 0)
		return 0;
	if (per_mille > 1000)
		per_mille = 1000;
	/* rank = ceil(total * per_mille / 1000), at least 1 */
	uint64_t rank = (total * per_mille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	unsigned b = 0;
	for (; b < LATENCY_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	uint64_t v = b == LATENCY_HIST_BUCKETS - 1 ? latency_hist_max(h) :
						     latency_hist_bucket_top(b);
	uint64_t lo = latency_hist_min(h), hi = latency_hist_max(h);
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

void latency_hist_merge(struct latency_hist *into, const struct latency_hist *from)
{
	if (!from->count)
		return;
	for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++)
		into->buckets[b] += from->buckets[b];
	into->sum += from->sum;
	into->count += from->count;
	if (from->max > into->max)
		into->max = from->max;
	if (from->min_complement > into->min_complement)
		into->min_complement = from->min_complement;
}
