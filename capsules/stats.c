/* stats (see stats.h): counters from the loop, the drivers and observe, as tables. */
#include <stdarg.h>

#include "capsules/stats.h"
#include "kernel/clock.h"
#include "kernel/deferred.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

#define LINE_MAX 160

static const struct stats_source *source_of(const struct stats *s, unsigned bit)
{
	for (unsigned i = 0; i < s->board.source_count; i++)
		if (s->board.sources[i].bit == bit)
			return &s->board.sources[i];
	return NULL;
}

static struct cpu *cpu_at(const struct stats *s, unsigned i)
{
	return s->board.cpu ? s->board.cpu(s->board.cpu_ctx, i) : NULL;
}

/* The bit's calls to its client, over every CPU. A CPU that hands the
 * bit to another CPU's loop (an interrupt routed there, kernel/xcall.h)
 * counts hand-overs, which the owner's loop then serves: left out here,
 * shown per CPU by `irqs`. */
static uint64_t services(const struct stats *s, unsigned bit)
{
	struct cpu *c;
	uint64_t n = 0;

	for (unsigned i = 0; bit < PENDING_BITS && (c = cpu_at(s, i)) != NULL; i++)
		if (loop_handover_owner(c->id, bit) < 0)
			n += c->serviced[bit];
	return n;
}

/* Counters as they are now, before subtracting the baseline. */
static void read_raw(const struct stats *s, unsigned bit, struct stats_row *r)
{
	*r = (struct stats_row){ .bit = bit, .kind = loop_slot_kind(bit) };
	r->name = loop_slot_name(bit);
	r->client = loop_slot_client(bit);
	r->serviced = services(s, bit);
	if (r->kind == LOOP_SLOT_DEFERRED) {
		r->have_raised = true;
		r->raised = deferred_call_sets(bit);
		r->unit = "sets";
		return;
	}
	const struct stats_source *src = source_of(s, bit);
	if (!src)
		return;
	struct stats_source_counts d = { 0, 0, 0, false, "" };
	src->read(src->ctx, &d);
	r->have_raised = true;
	r->raised = d.raised;
	r->dropped = d.dropped;
	r->dropped_unknown = d.dropped_unknown;
	r->unit = d.unit ? d.unit : "";
}

static uint64_t since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : 0;
}

bool stats_row(const struct stats *s, unsigned bit, struct stats_row *out)
{
	if (bit >= PENDING_BITS || loop_slot_kind(bit) == LOOP_SLOT_FREE)
		return false;
	read_raw(s, bit, out);
	out->raised = since(out->raised, s->base_raised[bit]);
	out->serviced = since(out->serviced, s->base_serviced[bit]);
	out->dropped = since(out->dropped, s->base_dropped[bit]);
	out->coalesced = since(out->raised, out->serviced);
	return true;
}

void stats_init(struct stats *s, const struct stats_board *board)
{
	memset(s, 0, sizeof(*s));
	s->board = *board;
}

void stats_reset(struct stats *s)
{
	struct stats_row r;
	struct cpu *c;

	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		if (loop_slot_kind(bit) == LOOP_SLOT_FREE)
			continue;
		read_raw(s, bit, &r);
		s->base_raised[bit] = r.raised;
		s->base_serviced[bit] = r.serviced;
		s->base_dropped[bit] = r.dropped;
	}
	for (unsigned i = 0; i < OBSERVE_MAX_CPUS && (c = cpu_at(s, i)) != NULL; i++) {
		s->base_rounds[i] = c->rounds;
		s->base_sleeps[i] = c->sleeps;
		s->base_wakeups[i] = c->wakeups;
	}
	observe_reset();
	s->base_cycles = clock_cycles();
	s->was_reset = true;
}

char *stats_format_us(char *buf, unsigned size, uint64_t cycles, uint64_t hz)
{
	if (!hz) {
		ksnprintf(buf, size, "?");
		return buf;
	}
	/* Split so that nothing overflows: cycles < 2^64, hz < 2^34. */
	uint64_t whole = cycles / hz, rest = cycles % hz;
	uint64_t ns = whole * 1000000000ull + rest * 1000000000ull / hz;
	ksnprintf(buf, size, "%llu.%03llu", (unsigned long long)(ns / 1000),
		  (unsigned long long)(ns % 1000));
	return buf;
}

__attribute__((format(printf, 3, 4))) static void line(stats_out_fn out, void *ctx, const char *fmt,
						       ...)
{
	char buf[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(ctx, buf);
}

static const char *kind_name(enum loop_slot_kind k)
{
	return k == LOOP_SLOT_INTERRUPT ? "irq" : k == LOOP_SLOT_DEFERRED ? "defer" : "?";
}

static void print_counts(const struct stats *s, stats_out_fn out, void *ctx)
{
	struct stats_row r;

	line(out, ctx,
	     "bit source         kind      raised   serviced  coalesced  dropped  raised counts\n");
	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		if (!stats_row(s, bit, &r))
			continue;
		if (!r.have_raised) {
			line(out, ctx, "%3u %-14.14s %-5s %10s %10llu %10s %8s  (no counter)\n",
			     bit, r.name, kind_name(r.kind), "-", (unsigned long long)r.serviced,
			     "-", "-");
			continue;
		}
		/* A source that cannot see all its losses says how many it
		 * counted and that more may be gone: "0+?", never a bare 0. */
		char dropped[24];
		ksnprintf(dropped, sizeof(dropped), r.dropped_unknown ? "%llu+?" : "%llu",
			  (unsigned long long)r.dropped);
		line(out, ctx, "%3u %-14.14s %-5s %10llu %10llu %10llu %8s  %s\n", bit, r.name,
		     kind_name(r.kind), (unsigned long long)r.raised,
		     (unsigned long long)r.serviced, (unsigned long long)r.coalesced, dropped,
		     r.unit);
	}
}

/* `irqs`' per-CPU lines: each CPU's services of the source, or its
 * hand-overs "(to cpuN)"; CPUs with none are left out. Long lines (many
 * CPUs) go on over several. */
static void print_irq_cpus(const struct stats *s, const struct stats_source *src, stats_out_fn out,
			   void *ctx)
{
	char buf[LINE_MAX];
	unsigned shown = 0;
	struct cpu *c;
	size_t used = (size_t)ksnprintf(buf, sizeof(buf), "  %-10s", src->name);

	for (unsigned k = 0; (c = cpu_at(s, k)) != NULL; k++) {
		uint64_t n = c->serviced[src->bit];
		if (!n)
			continue;
		char item[48];
		int to = loop_handover_owner(c->id, src->bit);
		int len = to < 0 ? ksnprintf(item, sizeof(item), " cpu%u %llu", c->id,
					     (unsigned long long)n) :
				   ksnprintf(item, sizeof(item), " cpu%u %llu (to cpu%d)", c->id,
					     (unsigned long long)n, to);
		if (shown++)
			used += (size_t)ksnprintf(buf + used, sizeof(buf) - used, ",");
		if (used + (size_t)len > 100) {
			line(out, ctx, "%s\n", buf);
			used = (size_t)ksnprintf(buf, sizeof(buf), "  %-10s", "");
		}
		used += (size_t)ksnprintf(buf + used, sizeof(buf) - used, "%s", item);
	}
	line(out, ctx, "%s%s\n", buf, shown ? "" : " none");
}

void stats_print_irqs(const struct stats *s, stats_out_fn out, void *ctx)
{
	if (!s->board.source_count) {
		line(out, ctx, "irqs: the board lists no interrupt sources\n");
		return;
	}
	line(out, ctx, "source          raised   serviced    drained\n");
	for (unsigned i = 0; i < s->board.source_count; i++) {
		const struct stats_source *src = &s->board.sources[i];
		struct stats_source_counts d = { 0, 0, 0, false, "" };
		src->read(src->ctx, &d);
		line(out, ctx, "%-10s %11llu %10llu %10llu %s\n", src->name,
		     (unsigned long long)d.raised, (unsigned long long)services(s, src->bit),
		     (unsigned long long)d.drained, d.unit ? d.unit : "");
	}
	line(out, ctx, "per cpu: services, or hand-overs to the cpu that runs the capsule\n");
	for (unsigned i = 0; i < s->board.source_count; i++)
		if (s->board.sources[i].bit < PENDING_BITS)
			print_irq_cpus(s, &s->board.sources[i], out, ctx);
}

static void print_latency(const struct stats *s, bool micro, stats_out_fn out, void *ctx)
{
	uint64_t hz = s->board.cycles_per_second;
	char v[4][24];

	line(out, ctx, "bit client         count  %-10s %-10s %-10s %-10s (%s)\n", "min", "p50",
	     "p99", "max", micro ? "microseconds" : "cycles");
	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		const struct latency_hist *h = observe_latency(bit);
		if (loop_slot_kind(bit) == LOOP_SLOT_FREE || !h->count)
			continue;
		uint64_t x[4] = { latency_hist_min(h), latency_hist_percentile(h, 500),
				  latency_hist_percentile(h, 990), latency_hist_max(h) };
		for (int i = 0; i < 4; i++) {
			if (micro)
				stats_format_us(v[i], sizeof(v[i]), x[i], hz);
			else
				ksnprintf(v[i], sizeof(v[i]), "%llu", (unsigned long long)x[i]);
		}
		const char *client = loop_slot_client(bit);
		line(out, ctx, "%3u %-12s %7llu  %-10s %-10s %-10s %-10s\n", bit,
		     client ? client : "-", (unsigned long long)h->count, v[0], v[1], v[2], v[3]);
	}
}

static void print_loops(const struct stats *s, stats_out_fn out, void *ctx)
{
	struct cpu *c;
	char us[24];

	for (unsigned i = 0; (c = cpu_at(s, i)) != NULL; i++) {
		bool base = i < OBSERVE_MAX_CPUS;
		line(out, ctx, "loop cpu%u: rounds %llu, sleeps %llu, wake-ups %llu\n", c->id,
		     (unsigned long long)since(c->rounds, base ? s->base_rounds[i] : 0),
		     (unsigned long long)since(c->sleeps, base ? s->base_sleeps[i] : 0),
		     (unsigned long long)since(c->wakeups, base ? s->base_wakeups[i] : 0));
		const struct observe_loop *l = observe_loop(c->id);
		if (!observe_timing_is_on() || !l || !l->have_longest)
			continue;
		const char *client = loop_slot_client(l->longest_bit);
		line(out, ctx,
		     "loop cpu%u: longest callback %s us (%llu cycles) by %s, bit %u; %llu timed\n",
		     c->id, stats_format_us(us, sizeof(us), l->longest, s->board.cycles_per_second),
		     (unsigned long long)l->longest, client ? client : "?", l->longest_bit,
		     (unsigned long long)l->callbacks);
	}
}

void stats_print(const struct stats *s, stats_out_fn out, void *ctx)
{
	char span[24];
	const char *stubs = s->board.stubs ? s->board.stubs() : NULL;

	uint64_t hz = s->board.cycles_per_second;
	uint64_t ms = hz >= 1000 ? (clock_cycles() - s->base_cycles) / (hz / 1000) : 0;

	ksnprintf(span, sizeof(span), "%llu.%03llu", (unsigned long long)(ms / 1000),
		  (unsigned long long)(ms % 1000));
	line(out, ctx, "stats over %s s %s; timing %s, trace %s, top halves %s\n", span,
	     s->was_reset ? "since 'stats reset'" : "since boot",
	     observe_timing_is_on() ? "on" : "off", trace_is_on() ? "on" : "off",
	     stubs ? stubs : "plain");
	print_counts(s, out, ctx);
	if (observe_timing_is_on()) {
		line(out, ctx, "latency, bit taken by the loop to callback done:\n");
		print_latency(s, false, out, ctx);
		print_latency(s, true, out, ctx);
	} else {
		line(out, ctx, "latency: timing is off ('stats timing on' turns it on)\n");
	}
	print_loops(s, out, ctx);
}
