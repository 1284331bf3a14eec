/*
 * The stall watchdog and the storm detector (see watchdog.h).
 *
 * Two halves. watchdog_tick() runs in the tick's interrupt handler: it
 * only compares counters, prints a stall report (the loop is stuck, so
 * nobody else can) and queues the other reports as events. The loop side,
 * the watchdog's deferred call, prints those events through the ordinary
 * log.
 */
#include "watchdog.h"

#include "arch.h"
#include "deferred.h"
#include "fmt.h"
#include "log.h"
#include "loop.h"
#include "panic.h"
#include "pending.h"
#include "string.h"
#include "symbols.h"
#include "ticker.h"

#define WATCHDOG_EVENTS 16 /* a power of two */

enum watchdog_event_kind {
	EVENT_STALL_OVER,
	EVENT_STORM_BEGIN,
	EVENT_STORM_OVER,
};

struct watchdog_event {
	enum watchdog_event_kind kind;
	unsigned cpu, bit;
	uint64_t ms;   /* how long: the stall, the window, the storm */
	uint64_t rate; /* services per second (storms) */
};

/* The dispatch the last tick saw on a CPU (see watchdog.h: its identity). */
struct watchdog_stall {
	bool seen;
	uint64_t rounds, sleeps, running, idle_work;
	uint64_t first_seen, last_seen; /* the first and last tick that saw it */
	bool reported;
};

/* The storm window under way on a CPU: when it began, the CPU's sleep
 * count then (a sleep ends it), and each bit's service count then. */
struct watchdog_storms {
	bool window_open;
	uint64_t window_start, window_sleeps;
	uint64_t window_serviced[PENDING_BITS];
	uint64_t storming; /* bits in a storm now */
	uint64_t since[PENDING_BITS];
	uint64_t peak[PENDING_BITS];
};

/* A stall seen on a CPU that may not print: everything the report says,
 * taken at that CPU's tick, for the tick CPU to print. */
struct watchdog_report {
	unsigned ready; /* 1: filled in, not printed yet (release/acquire) */
	unsigned bit;
	uint64_t ms, pending;
	uintptr_t pc;
	struct panic_trace trace;
};

/* Events from a CPU's tick to the loop: one producer (that CPU's tick,
 * interrupts off) and one consumer (the tick CPU's loop, which its tick
 * may interrupt), so the producer publishes `head` after writing the
 * entry and the consumer `tail` after reading it. */
struct watchdog_events {
	struct watchdog_event e[WATCHDOG_EVENTS];
	unsigned head, tail;
};

struct watchdog_cpu {
	struct watchdog_stall stall;
	struct watchdog_storms storms;
	uint64_t last_tick;
	struct watchdog_report report;
	struct watchdog_events events;
};

static struct watchdog_options options;
static uint64_t cycles_per_ms = 1; /* never 0: it divides */
static uint64_t limit_cycles, window_cycles;
static struct watchdog_cpu cpus[CPU_MAX];
static struct watchdog_stats stats; /* counted with atomics: every CPU ticks */
static struct deferred_call report_dc;
static bool initialised;
static unsigned tick_cpu;                 /* the CPU the tick interrupts */
static void (*poke_cpu)(unsigned cpu_id); /* NULL: watch the tick CPU only */

uint64_t watchdog_idle_tick_wanted;

static void count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void watchdog_default_options(struct watchdog_options *opt)
{
	*opt = (struct watchdog_options){
		.limit_ms = WATCHDOG_DEFAULT_LIMIT_MS,
		.panic = false,
		.storm_per_s = WATCHDOG_DEFAULT_STORM_PER_S,
	};
}

int watchdog_options_describe(const struct watchdog_options *opt, char *buf, size_t size)
{
	char stalls[48] = "off", storms[32] = "off";

	if (opt->limit_ms)
		ksnprintf(stalls, sizeof(stalls), "over %u ms %s", opt->limit_ms,
			  opt->panic ? "panic" : "warn");
	if (opt->storm_per_s)
		ksnprintf(storms, sizeof(storms), "over %u/s", opt->storm_per_s);
	return ksnprintf(buf, size, "stalls %s; storms %s", stalls, storms);
}

/* A decimal number in [1, max], the whole of s[0..len). */
static bool parse_number(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < 1 || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(s, word, len) == 0;
}

bool watchdog_parse_option(const char *value, struct watchdog_options *opt)
{
	struct watchdog_options o = *opt;
	const char *s = value;

	if (!*s)
		return false;
	for (;;) {
		const char *end = s;
		while (*end && *end != ':')
			end++;
		size_t len = (size_t)(end - s);
		if (word_is(s, len, "panic"))
			o.panic = true;
		else if (word_is(s, len, "warn"))
			o.panic = false;
		else if (word_is(s, len, "off"))
			o.limit_ms = 0;
		else if (!parse_number(s, len, WATCHDOG_MAX_LIMIT_MS, &o.limit_ms))
			return false;
		if (!*end)
			break;
		s = end + 1;
	}
	*opt = o;
	return true;
}

bool watchdog_parse_storm_option(const char *value, struct watchdog_options *opt)
{
	size_t len = strlen(value);

	if (word_is(value, len, "off")) {
		opt->storm_per_s = 0;
		return true;
	}
	return parse_number(value, len, WATCHDOG_MAX_STORM_PER_S, &opt->storm_per_s);
}

static uint64_t cycles_to_ms(uint64_t cycles)
{
	return cycles / cycles_per_ms;
}

static const char *client_name(unsigned bit)
{
	const char *c = loop_slot_client(bit);
	return c ? c : "?";
}

static const char *slot_name(unsigned bit)
{
	const char *n = loop_slot_name(bit);
	return n ? n : "?";
}

static const char *kind_name(unsigned bit)
{
	switch (loop_slot_kind(bit)) {
	case LOOP_SLOT_INTERRUPT:
		return "interrupt";
	case LOOP_SLOT_DEFERRED:
		return "deferred call";
	default:
		return "undeclared bit";
	}
}

/* The deferred call belongs to the tick CPU: another CPU's events wait
 * for the tick CPU's next tick to set it (deferred calls are set on their
 * own CPU). */
static void queue_event(struct watchdog_event e)
{
	struct watchdog_events *q = &cpus[e.cpu].events;
	unsigned head = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	unsigned tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (head - tail >= WATCHDOG_EVENTS) {
		count(&stats.events_lost);
		return;
	}
	q->e[head % WATCHDOG_EVENTS] = e;
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	if (initialised && e.cpu == tick_cpu)
		deferred_call_set(&report_dc);
}

/* The bits knocked while the callback runs, by name: "0x5 (timer com1)". */
static void print_pending(uint64_t pending)
{
	static char names[LOG_LINE_MAX]; /* the tick runs with interrupts off */
	size_t used = 0;

	names[0] = '\0';
	for (uint64_t rest = pending; rest; rest &= rest - 1) {
		unsigned bit = (unsigned)__builtin_ctzll(rest);
		int n = ksnprintf(names + used, sizeof(names) - used, "%s%s", used ? " " : "",
				  slot_name(bit));
		if (n < 0 || (size_t)n >= sizeof(names) - used)
			break; /* the count is in the mask anyway */
		used += (size_t)n;
	}
	kprintf("watchdog:   pending 0x%016llx%s%s%s\n", (unsigned long long)pending,
		pending ? " (" : " (nothing waits)", names, pending ? ")" : "");
}

static void print_stall(uint64_t pending, uintptr_t pc, const struct panic_trace *trace)
{
	uintptr_t off;
	const char *fn = symbol_lookup(pc, &off);

	print_pending(pending);
	if (fn)
		kprintf("watchdog:   interrupted at 0x%016lx <%s+0x%lx>\n", (unsigned long)pc, fn,
			(unsigned long)off);
	else
		kprintf("watchdog:   interrupted at 0x%016lx <?>\n", (unsigned long)pc);
	panic_backtrace_print(trace);
}

static void print_warning(unsigned id, const struct watchdog_report *r)
{
	/* The tick knows nothing of the console: a prompt may be up, so the
	 * report starts on a line of its own, like an exception report. */
	kprintf("\n");
	log_warn("watchdog: capsule '%s' (bit %u, %s '%s') has run for %llu ms on cpu %u "
		 "(limit %u ms)",
		 client_name(r->bit), r->bit, kind_name(r->bit), slot_name(r->bit),
		 (unsigned long long)r->ms, id, options.limit_ms);
	print_stall(r->pending, r->pc, &r->trace);
	kprintf("watchdog: reported once; the callback keeps running (watchdog=panic would stop "
		"here)\n");
}

static void report_stall(const struct cpu *cpu, const struct watchdog_stall *st, uint64_t now,
			 const struct watchdog_where *where)
{
	struct watchdog_report *r = &cpus[cpu->id].report;

	count(&stats.stalls);
	if (options.panic) {
		/* Any CPU may panic: panic_enter() stops the others first. */
		static struct panic_trace trace; /* one panic at a time */
		unsigned bit = (unsigned)st->running;
		panic_enter();
		kprintf("\nPANIC: watchdog: capsule '%s' (bit %u, %s '%s') has run for %llu ms on "
			"cpu %u (limit %u ms)\n",
			client_name(bit), bit, kind_name(bit), slot_name(bit),
			(unsigned long long)cycles_to_ms(now - st->first_seen), cpu->id,
			options.limit_ms);
		panic_backtrace_collect(where->pc, where->caller, where->fp, &trace);
		print_stall(pending_peek(cpu), where->pc, &trace);
		panic_finish();
	}
	/* A report not printed yet (the tick CPU has not ticked since) is
	 * kept: this one is counted, not shown. */
	if (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE))
		return;
	r->bit = (unsigned)st->running;
	r->ms = cycles_to_ms(now - st->first_seen);
	r->pending = pending_peek(cpu);
	r->pc = where->pc;
	panic_backtrace_collect(where->pc, where->caller, where->fp, &r->trace);
	if (cpu->id == tick_cpu) {
		print_warning(cpu->id, r);
		return;
	}
	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
}

static void check_stall(const struct cpu *cpu, struct watchdog_stall *st, unsigned id, uint64_t now,
			const struct watchdog_where *where)
{
	uint64_t rounds = cpu->rounds, sleeps = cpu->sleeps, running = cpu->running;
	uint64_t idle_work = cpu->idle_work;

	/* Any of them moving is progress: a new round, a sleep, another bit,
	 * or the idle work (a process run: a spinning process is preempted by
	 * knocks, it does not stall the loop). */
	if (!st->seen || rounds != st->rounds || sleeps != st->sleeps || running != st->running ||
	    idle_work != st->idle_work) {
		if (st->reported)
			queue_event((struct watchdog_event){
				.kind = EVENT_STALL_OVER,
				.cpu = id,
				.bit = (unsigned)st->running,
				.ms = cycles_to_ms(st->last_seen - st->first_seen),
			});
		*st = (struct watchdog_stall){
			.seen = true,
			.rounds = rounds,
			.sleeps = sleeps,
			.running = running,
			.idle_work = idle_work,
			.first_seen = now,
			.last_seen = now,
		};
		return;
	}
	st->last_seen = now;
	/* The loop has not dispatched anything yet: no round has ended and
	 * no bit was counted serviced (the loop counts a round after its last
	 * client, a bit before its client: a stall in the very first callback
	 * has serviced[running] at 1). */
	if (st->reported || !limit_cycles ||
	    (rounds == 0 && cpu->serviced[running % PENDING_BITS] == 0) ||
	    now - st->first_seen < limit_cycles)
		return;
	st->reported = true;
	report_stall(cpu, st, now, where);
}

static void open_window(const struct cpu *cpu, struct watchdog_storms *sw, uint64_t now)
{
	sw->window_open = true;
	sw->window_start = now;
	sw->window_sleeps = cpu->sleeps;
	memcpy(sw->window_serviced, cpu->serviced, sizeof(sw->window_serviced));
}

static void storm_over(struct watchdog_storms *sw, unsigned id, unsigned bit, uint64_t end)
{
	sw->storming &= ~((uint64_t)1 << bit);
	queue_event((struct watchdog_event){
		.kind = EVENT_STORM_OVER,
		.cpu = id,
		.bit = bit,
		.ms = cycles_to_ms(end - sw->since[bit]),
		.rate = sw->peak[bit],
	});
}

static void check_storms(const struct cpu *cpu, struct watchdog_cpu *w, unsigned id, uint64_t now)
{
	struct watchdog_storms *sw = &w->storms;

	if (!options.storm_per_s)
		return;
	if (!sw->window_open || cpu->sleeps != sw->window_sleeps) {
		/* The CPU slept: whatever stormed, the loop caught up with
		 * it, some time after the last tick. */
		for (uint64_t b = sw->storming; b; b &= b - 1)
			storm_over(sw, id, (unsigned)__builtin_ctzll(b), w->last_tick);
		open_window(cpu, sw, now);
		return;
	}
	uint64_t elapsed = now - sw->window_start;
	if (elapsed < window_cycles)
		return;
	uint64_t elapsed_us = elapsed * 1000 / cycles_per_ms;
	if (elapsed_us == 0)
		elapsed_us = 1;
	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		if (loop_slot_kind(bit) != LOOP_SLOT_INTERRUPT)
			continue;
		uint64_t mask = (uint64_t)1 << bit;
		uint64_t rate =
			(cpu->serviced[bit] - sw->window_serviced[bit]) * 1000000 / elapsed_us;
		if (rate < options.storm_per_s) {
			if (sw->storming & mask)
				storm_over(sw, id, bit, now);
			continue;
		}
		if (sw->storming & mask) {
			if (rate > sw->peak[bit])
				sw->peak[bit] = rate;
			continue;
		}
		sw->storming |= mask;
		sw->since[bit] = sw->window_start;
		sw->peak[bit] = rate;
		count(&stats.storms);
		queue_event((struct watchdog_event){
			.kind = EVENT_STORM_BEGIN,
			.cpu = id,
			.bit = bit,
			.ms = cycles_to_ms(elapsed),
			.rate = rate,
		});
	}
	open_window(cpu, sw, now);
}

/* Whether some report of this CPU waits for a tick that only comes while
 * awake: an "over" still to see, or (another CPU's) a report or events
 * the tick CPU has not taken yet. Then the tick stays on (and this CPU
 * poked) through the next sleep, once. Each CPU changes only its own bit. */
static void update_idle_tick_wanted(unsigned id, const struct watchdog_cpu *w)
{
	uint64_t bit = (uint64_t)1 << id;

	if (w->stall.reported || w->storms.storming ||
	    (id != tick_cpu && (__atomic_load_n(&w->report.ready, __ATOMIC_RELAXED) ||
				__atomic_load_n(&w->events.head, __ATOMIC_RELAXED) !=
					__atomic_load_n(&w->events.tail, __ATOMIC_RELAXED))))
		__atomic_fetch_or(&watchdog_idle_tick_wanted, bit, __ATOMIC_RELAXED);
	else if (__atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED) & bit)
		__atomic_fetch_and(&watchdog_idle_tick_wanted, ~bit, __ATOMIC_RELAXED);
}

/* A CPU the tick CPU passes the tick on to: online, and awake or owed an
 * "over". */
static bool wants_poke(unsigned id, const struct cpu *c)
{
	if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE)
		return false;
	return !__atomic_load_n(&c->idle, __ATOMIC_ACQUIRE) ||
	       (__atomic_load_n(&watchdog_idle_tick_wanted, __ATOMIC_RELAXED) >> id & 1);
}

/* The tick CPU's part: print the other CPUs' stall reports, hand their
 * events to its loop, and pass the tick on. */
static void tick_others(void)
{
	bool events = false;

	for (unsigned id = 0; id < CPU_MAX; id++) {
		struct watchdog_cpu *w = &cpus[id];
		if (id == tick_cpu)
			continue;
		if (__atomic_load_n(&w->report.ready, __ATOMIC_ACQUIRE)) {
			print_warning(id, &w->report);
			__atomic_store_n(&w->report.ready, 0, __ATOMIC_RELEASE);
		}
		if (__atomic_load_n(&w->events.head, __ATOMIC_ACQUIRE) !=
		    __atomic_load_n(&w->events.tail, __ATOMIC_RELAXED))
			events = true;
		const struct cpu *c = arch_cpu(id);
		if (poke_cpu && c && wants_poke(id, c)) {
			count(&stats.pokes);
			poke_cpu(id);
		}
	}
	if (events && initialised)
		deferred_call_set(&report_dc);
}

void watchdog_tick(struct cpu *cpu, uint64_t now, const struct watchdog_where *where)
{
	if (cpu->id >= CPU_MAX)
		return;
	struct watchdog_cpu *w = &cpus[cpu->id];

	count(&stats.ticks);
	check_stall(cpu, &w->stall, cpu->id, now, where);
	check_storms(cpu, w, cpu->id, now);
	w->last_tick = now;
	update_idle_tick_wanted(cpu->id, w);
	if (cpu->id == tick_cpu)
		tick_others();
}

void watchdog_set_tick_cpu(unsigned id, void (*poke)(unsigned cpu_id))
{
	tick_cpu = id;
	poke_cpu = poke;
}

static void report_event(const struct watchdog_event *e)
{
	switch (e->kind) {
	case EVENT_STALL_OVER:
		log_info("watchdog: capsule '%s' (bit %u) returned on cpu %u after running "
			 "at least %llu ms",
			 client_name(e->bit), e->bit, e->cpu, (unsigned long long)e->ms);
		break;
	case EVENT_STORM_BEGIN:
		log_warn("storm: interrupt source '%s' (bit %u) serviced %llu times/s for "
			 "%llu ms with cpu %u never idle (limit %u/s); the other sources "
			 "still run once per round",
			 slot_name(e->bit), e->bit, (unsigned long long)e->rate,
			 (unsigned long long)e->ms, e->cpu, options.storm_per_s);
		break;
	case EVENT_STORM_OVER:
		log_info("storm: interrupt source '%s' (bit %u) calmed down after about "
			 "%llu ms (peak %llu/s)",
			 slot_name(e->bit), e->bit, (unsigned long long)e->ms,
			 (unsigned long long)e->rate);
		break;
	}
}

/* The loop side: print what the ticks queued. */
static void watchdog_report(void *ctx)
{
	(void)ctx;
	for (unsigned id = 0; id < CPU_MAX; id++) {
		struct watchdog_events *q = &cpus[id].events;
		for (;;) {
			unsigned tail = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
			if (tail == __atomic_load_n(&q->head, __ATOMIC_ACQUIRE))
				break;
			struct watchdog_event e = q->e[tail % WATCHDOG_EVENTS];
			__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
			report_event(&e);
		}
	}
}

void watchdog_init(const struct watchdog_options *opt, uint64_t cycles_per_s)
{
	options = *opt;
	cycles_per_ms = cycles_per_s / 1000 ? cycles_per_s / 1000 : 1;
	limit_cycles = (uint64_t)options.limit_ms * cycles_per_ms;
	window_cycles = (uint64_t)WATCHDOG_STORM_WINDOW_MS * cycles_per_ms;
	deferred_call_init(&report_dc, "watchdog");
	deferred_call_register(&report_dc, "watchdog", watchdog_report, NULL);
	initialised = true;
}

void watchdog_get_stats(struct watchdog_stats *out)
{
	out->ticks = __atomic_load_n(&stats.ticks, __ATOMIC_RELAXED);
	out->pokes = __atomic_load_n(&stats.pokes, __ATOMIC_RELAXED);
	out->stalls = __atomic_load_n(&stats.stalls, __ATOMIC_RELAXED);
	out->storms = __atomic_load_n(&stats.storms, __ATOMIC_RELAXED);
	out->events_lost = __atomic_load_n(&stats.events_lost, __ATOMIC_RELAXED);
}

const struct watchdog_options *watchdog_options(void)
{
	return &options;
}

void watchdog_reset_for_test(void)
{
	memset(cpus, 0, sizeof(cpus));
	memset(&stats, 0, sizeof(stats));
	memset(&options, 0, sizeof(options));
	tick_cpu = 0;
	poke_cpu = NULL;
	ticker_reset_for_test();
	cycles_per_ms = 1;
	limit_cycles = window_cycles = 0;
	initialised = false;
	watchdog_idle_tick_wanted = 0;
}
