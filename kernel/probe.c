/* Interrupt latency probes (probe.h). */
#include "probe.h"

#include "fmt.h"
#include "panic.h"

void probe_init(struct probe *p, const char *name, unsigned bit)
{
	if (bit >= CPU_IRQ_STAMPS)
		panic("probe %s: bit %u has no irq_stamp slot (CPU_IRQ_STAMPS is %u)", name, bit,
		      CPU_IRQ_STAMPS);
	p->name = name;
	p->bit = bit;
	probe_reset(p);
}

void probe_reset(struct probe *p)
{
	/* Only stamps newer than now count: the current one may belong to an
	 * interrupt whose mark already happened. */
	p->last_stamp = arch_this_cpu()->irq_stamp[p->bit];
	p->count = 0;
	p->min = UINT64_MAX;
	p->max = 0;
}

void probe_mark_at(struct probe *p, uint64_t at)
{
	uint64_t stamp = arch_this_cpu()->irq_stamp[p->bit];

	if (stamp == p->last_stamp)
		return;
	p->last_stamp = stamp;
	probe_record(p, at - stamp);
}

void probe_record(struct probe *p, uint64_t cycles)
{
	if (p->count < PROBE_KEPT)
		p->kept[p->count] = cycles;
	p->count++;
	if (cycles < p->min)
		p->min = cycles;
	if (cycles > p->max)
		p->max = cycles;
}

static void sort(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void probe_summarize(const struct probe *p, struct probe_summary *out)
{
	uint64_t sorted[PROBE_KEPT];
	size_t n = p->count < PROBE_KEPT ? (size_t)p->count : PROBE_KEPT;

	*out = (struct probe_summary){ 0, 0, 0, 0 };
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		sorted[i] = p->kept[i];
	sort(sorted, n);
	out->count = p->count;
	out->min = p->min;
	out->max = p->max;
	/* The upper median for an even count, as bench_deferred's: always a
	 * sample that happened. */
	out->median = sorted[n / 2];
}

int probe_format(const struct probe *p, char *buf, size_t cap)
{
	struct probe_summary s;

	probe_summarize(p, &s);
	if (s.count == 0)
		return ksnprintf(buf, cap, "%s not measured: no sample (boot with stubs=stamped)",
				 p->name);
	return ksnprintf(buf, cap, "%s min=%llu median=%llu max=%llu samples=%llu", p->name,
			 (unsigned long long)s.min, (unsigned long long)s.median,
			 (unsigned long long)s.max, (unsigned long long)s.count);
}
