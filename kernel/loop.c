/*
 * The knock loop: take every pending bit at once, answer each by calling
 * the one client of its slot, then sleep without racing the next knock.
 *
 * The table is split on purpose:
 * - loop_fn[] and loop_ctx[] are all the hot path reads: the client and
 *   its argument for each bit, in two rows of 8-byte entries per CPU so
 *   that one scaled-index load reaches each (no multiply by a struct size).
 *   A bit with no client points at loop_unowned_bit(), which panics, so the
 *   dispatch needs no "is this bit owned?" branch and stays a handful of
 *   instructions (`make bench` measures it: deferred_call_instructions).
 * - loop_slots[] holds the names and client counts that declaration,
 *   verification and error messages need.
 *
 * Several CPUs (docs/smp.md): bit numbers, names and client functions are
 * the same on every CPU, but each CPU answers a bit with its own context
 * (its own alarm mux for the timer bit, its own end of a cross-CPU call),
 * so loop_ctx[] has one row per CPU. loop_fn[] has one too, for one
 * exception: a CPU that takes a device interrupt whose capsule another
 * CPU owns answers the bit with the hand-over (loop_set_handover(),
 * kernel/xcall.h) instead of the capsule. loop_run() finds its rows once,
 * so the hot path pays nothing for them.
 */
#include "loop.h"

#include "arch.h"
#include "fmt.h"
#include "panic.h"
#include "pending.h"
#include "ticker.h"

struct loop_slot {
	enum loop_slot_kind kind;
	const char *name;          /* interrupt source or deferred-call owner */
	const char *client;        /* the first client; the only one dispatched */
	const char *second_client; /* kept only so loop_verify can name it */
	unsigned client_count;
	loop_client_fn fn; /* the client itself, also while calls are routed */
};

static void loop_unowned_bit(void *bit_as_ctx);

/* Statically initialised: a bit knocked before anyone declared it must
 * still panic, not jump through a null pointer. An unowned slot's ctx is
 * its own bit number, so the cold path can name it. */
/* Each CPU's row: a client per bit, then the idle work (loop_set_idle_work),
 * so loop_run() reaches the idle work through the row it already holds in
 * a register. */
struct loop_fn_row {
	loop_client_fn bit[PENDING_BITS];
	loop_idle_fn idle;
};

struct loop_ctx_row {
	void *bit[PENDING_BITS];
	void *idle;
};

static struct loop_fn_row loop_fn[CPU_MAX] = {
	[0 ... CPU_MAX - 1] = { .bit = { [0 ... PENDING_BITS - 1] = loop_unowned_bit } },
};

#define BIT_CTX(b) (void *)(uintptr_t)(b)
#define BIT_CTX4(b) BIT_CTX(b), BIT_CTX((b) + 1), BIT_CTX((b) + 2), BIT_CTX((b) + 3)
#define BIT_CTX16(b) BIT_CTX4(b), BIT_CTX4((b) + 4), BIT_CTX4((b) + 8), BIT_CTX4((b) + 12)

static struct loop_ctx_row loop_ctx[CPU_MAX] = {
	[0 ... CPU_MAX -
	 1] = { .bit = { BIT_CTX16(0), BIT_CTX16(16), BIT_CTX16(32), BIT_CTX16(48) } },
};

/* Bits with a client on each CPU: other CPUs check before knocking
 * (loop_has_client), since a bit with no client there would panic in
 * that CPU's loop instead of in the knocker's. */
static uint64_t loop_cpu_owned[CPU_MAX];

/* Of those, the bits each CPU answers with a hand-over to another CPU
 * (loop_set_handover): never routed through the observation hooks, whose
 * route calls the slot's own client. */
static uint64_t loop_cpu_handover[CPU_MAX];
static unsigned loop_handover_to[CPU_MAX][PENDING_BITS];

static struct loop_slot loop_slots[PENDING_BITS];

/* While set (loop_set_route), owned bits call route[bit] with their own
 * ctx instead of their client; observation lives there (kernel/observe.c),
 * so the plain dispatch pays nothing for it while it is off. */
static const loop_client_fn *loop_route;
static loop_sleep_observer_fn loop_sleep_observer;
static void (*loop_halt)(void); /* defined with the sleep, below */
static void loop_halt_observed(void);

_Static_assert(sizeof(((struct cpu *)0)->serviced) / sizeof(uint64_t) == PENDING_BITS,
	       "struct cpu needs one service counter per pending bit");

static void loop_make_unowned(unsigned bit)
{
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++) {
		loop_fn[cpu].bit[bit] = loop_unowned_bit;
		loop_ctx[cpu].bit[bit] = BIT_CTX(bit);
		loop_cpu_owned[cpu] &= ~((uint64_t)1 << bit);
		loop_cpu_handover[cpu] &= ~((uint64_t)1 << bit);
	}
}

static unsigned loop_cpu_index(const struct cpu *cpu)
{
	if (cpu->id >= CPU_MAX)
		panic("loop: cpu id %u is out of range (0..%u)", cpu->id, CPU_MAX - 1);
	return cpu->id;
}

/* The cold path of dispatch: a set bit with nobody to answer it. */
static void loop_unowned_bit(void *bit_as_ctx)
{
	unsigned bit = (unsigned)(uintptr_t)bit_as_ctx;

	unsigned cpu = arch_this_cpu()->id;

	if (loop_slots[bit].kind != LOOP_SLOT_FREE)
		panic("pending bit %u (%s) is set but has no client on cpu %u", bit,
		      loop_slots[bit].name, cpu);
	panic("pending bit %u is set but has no client on cpu %u", bit, cpu);
}

static void loop_check_bit(unsigned bit, const char *what, const char *name)
{
	if (bit >= PENDING_BITS)
		panic("%s %s: bit %u is out of range (0..%u)", what, name, bit, PENDING_BITS - 1);
}

void loop_declare_interrupt(unsigned bit, const char *source)
{
	loop_check_bit(bit, "interrupt", source);
	if (loop_slots[bit].kind != LOOP_SLOT_FREE)
		panic("interrupt %s: bit %u already belongs to %s", source, bit,
		      loop_slots[bit].name);
	loop_slots[bit] = (struct loop_slot){ .kind = LOOP_SLOT_INTERRUPT, .name = source };
	loop_make_unowned(bit);
}

unsigned loop_declare_deferred(const char *owner)
{
	for (unsigned bit = PENDING_BITS; bit-- > 0;) {
		if (loop_slots[bit].kind != LOOP_SLOT_FREE)
			continue;
		loop_slots[bit] = (struct loop_slot){ .kind = LOOP_SLOT_DEFERRED, .name = owner };
		loop_make_unowned(bit);
		return bit;
	}
	panic("deferred call %s: all %u pending bits are taken", owner, PENDING_BITS);
}

void loop_set_client(unsigned bit, const char *client, loop_client_fn fn, void *ctx)
{
	loop_check_bit(bit, "client", client);
	struct loop_slot *s = &loop_slots[bit];

	if (s->kind == LOOP_SLOT_FREE)
		panic("client %s: bit %u was never declared", client, bit);
	unsigned cpu = loop_cpu_index(arch_this_cpu());
	uint64_t mask = (uint64_t)1 << bit;
	if (cpu != 0) {
		/* Another CPU wires after the boot CPU's loop_verify(), and
		 * only its own context: the function is the boot CPU's (the
		 * slot's one client), and the slots' bookkeeping stays as
		 * verified. Anything else panics at once. */
		if (!s->client_count || s->fn != fn)
			panic("client %s: cpu %u must answer bit %u (%s) with the boot CPU's "
			      "client",
			      client, cpu, bit, s->name);
		if (loop_cpu_owned[cpu] & mask)
			panic("client %s: bit %u (%s) already has a client on cpu %u", client, bit,
			      s->name, cpu);
		loop_fn[cpu].bit[bit] = loop_route ? loop_route[bit] : fn;
		loop_ctx[cpu].bit[bit] = ctx;
		__atomic_fetch_or(&loop_cpu_owned[cpu], mask, __ATOMIC_RELEASE);
		return;
	}
	if (s->client_count++ > 0) {
		/* Keep the first client running; loop_verify reports the pair. */
		if (!s->second_client)
			s->second_client = client;
		return;
	}
	s->client = client;
	s->fn = fn;
	loop_fn[0].bit[bit] = loop_route ? loop_route[bit] : fn;
	loop_ctx[0].bit[bit] = ctx;
	__atomic_fetch_or(&loop_cpu_owned[0], mask, __ATOMIC_RELEASE);
}

void loop_set_handover(unsigned bit, unsigned owner, loop_client_fn fn, void *ctx)
{
	loop_check_bit(bit, "hand-over", "to another cpu");
	const struct loop_slot *s = &loop_slots[bit];
	unsigned cpu = loop_cpu_index(arch_this_cpu());
	uint64_t mask = (uint64_t)1 << bit;

	if (s->kind != LOOP_SLOT_INTERRUPT || !s->client_count)
		panic("hand-over: bit %u is not an interrupt source with a client", bit);
	if (cpu == 0 || owner == cpu || owner >= CPU_MAX)
		panic("hand-over of bit %u (%s): cpu %u cannot hand it to cpu %u", bit, s->name,
		      cpu, owner);
	if (loop_cpu_owned[cpu] & mask)
		panic("hand-over: bit %u (%s) already has a client on cpu %u", bit, s->name, cpu);
	loop_fn[cpu].bit[bit] = fn;
	loop_ctx[cpu].bit[bit] = ctx;
	loop_handover_to[cpu][bit] = owner;
	__atomic_fetch_or(&loop_cpu_handover[cpu], mask, __ATOMIC_RELAXED);
	__atomic_fetch_or(&loop_cpu_owned[cpu], mask, __ATOMIC_RELEASE);
}

int loop_handover_owner(unsigned cpu, unsigned bit)
{
	if (cpu >= CPU_MAX || bit >= PENDING_BITS ||
	    !(__atomic_load_n(&loop_cpu_handover[cpu], __ATOMIC_ACQUIRE) >> bit & 1))
		return -1;
	return (int)loop_handover_to[cpu][bit];
}

void loop_replace_client(unsigned bit, const char *client, loop_client_fn fn, void *ctx)
{
	loop_check_bit(bit, "client", client);
	struct loop_slot *s = &loop_slots[bit];

	if (s->client_count != 1 || loop_cpu_index(arch_this_cpu()) != 0)
		panic("client %s: bit %u (%s) can be replaced only on the boot CPU, once it has "
		      "exactly one client",
		      client, bit, s->name ? s->name : "undeclared");
	s->client = client;
	s->fn = fn;
	loop_fn[0].bit[bit] = loop_route ? loop_route[bit] : fn;
	loop_ctx[0].bit[bit] = ctx;
}

void *loop_slot_ctx(unsigned cpu, unsigned bit)
{
	return cpu < CPU_MAX && loop_has_client(cpu, bit) ? loop_ctx[cpu].bit[bit] : NULL;
}

bool loop_has_client(unsigned cpu, unsigned bit)
{
	return cpu < CPU_MAX && bit < PENDING_BITS &&
	       (__atomic_load_n(&loop_cpu_owned[cpu], __ATOMIC_ACQUIRE) >> bit & 1);
}

void loop_set_route(const loop_client_fn *route)
{
	loop_route = route;
	/* One aligned 8-byte store per bit and CPU, ctx untouched: a CPU
	 * dispatching meanwhile calls either the client or its route, both
	 * with the right argument. A hand-over is not the slot's client and
	 * keeps its own function. */
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++) {
		uint64_t owned = __atomic_load_n(&loop_cpu_owned[cpu], __ATOMIC_ACQUIRE) &
				 ~__atomic_load_n(&loop_cpu_handover[cpu], __ATOMIC_ACQUIRE);
		for (unsigned bit = 0; bit < PENDING_BITS; bit++)
			if (loop_slots[bit].client_count && (owned >> bit & 1))
				__atomic_store_n(&loop_fn[cpu].bit[bit],
						 route ? route[bit] : loop_slots[bit].fn,
						 __ATOMIC_RELAXED);
	}
}

loop_client_fn loop_slot_client_fn(unsigned bit)
{
	return bit < PENDING_BITS && loop_slots[bit].client_count ? loop_slots[bit].fn : NULL;
}

const char *loop_slot_client(unsigned bit)
{
	return bit < PENDING_BITS ? loop_slots[bit].client : NULL;
}

void loop_set_idle_work(loop_idle_fn fn, void *ctx)
{
	unsigned i = loop_cpu_index(arch_this_cpu());
	loop_fn[i].idle = fn;
	loop_ctx[i].idle = ctx;
}

void loop_set_sleep_observer(loop_sleep_observer_fn fn)
{
	loop_sleep_observer = fn;
	__atomic_store_n(&loop_halt, fn ? loop_halt_observed : arch_enable_irq_and_idle,
			 __ATOMIC_RELAXED);
}

void loop_verify(void)
{
	static char problems[512];
	size_t used = 0;
	unsigned count = 0;

	problems[0] = '\0';
	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		const struct loop_slot *s = &loop_slots[bit];
		if (s->kind == LOOP_SLOT_FREE || s->client_count == 1)
			continue;
		const char *sep = count++ ? "; " : "";
		int n;
		if (s->client_count == 0)
			n = ksnprintf(problems + used, sizeof(problems) - used,
				      "%sbit %u (%s): no client", sep, bit, s->name);
		else
			n = ksnprintf(problems + used, sizeof(problems) - used,
				      "%sbit %u (%s): %u clients: %s, %s%s", sep, bit, s->name,
				      s->client_count, s->client, s->second_client,
				      s->client_count > 2 ? ", ..." : "");
		/* Past the buffer (or the log line, which panic cuts with "...")
		 * the text stops, but the count in the message stays right. */
		if (n > 0)
			used += (size_t)n;
		if (used >= sizeof(problems))
			used = sizeof(problems) - 1;
	}
	if (count)
		panic("loop_verify: %u problem%s: %s", count, count == 1 ? "" : "s", problems);
}

/*
 * The hot path. Inlined into both loop_round() and loop_run(), so the
 * running kernel pays no call per round. Bits are taken all at once, so a
 * bit set again during the round (a client re-arming its own deferred
 * call, a new interrupt) stays in `pending` for the next round: each bit
 * runs at most once per round and no source can starve another.
 *
 * The instructions GCC makes of it are traced one by one in
 * docs/interrupts.md ("The hot paths, instruction by instruction").
 * The bit is an unsigned long (no sign extension before it indexes), and
 * the two rows are pointers the caller keeps in registers (one
 * scaled-index load each).
 */
static inline __attribute__((always_inline)) void
loop_dispatch(struct cpu *cpu, const loop_client_fn *fn, void *const *ctx, uint64_t work)
{
	for (;;) {
		unsigned long bit = (unsigned long)__builtin_ctzll(work) & 63;
		loop_client_fn client = fn[bit];
		void *arg = ctx[bit];
		cpu->serviced[bit]++; /* the stats' one cost on this path */
		cpu->running = bit;   /* and the watchdog's (kernel/watchdog.h) */
		client(arg);
		/* The bit is cleared after its client, not before: the work
		 * mask lives in a callee-saved register across the call, so
		 * clearing it here costs the same and keeps it off the way
		 * from a knock to the client. The round is counted once it is
		 * over, after its last client; while it runs, `rounds` is the
		 * count of the rounds before it, one value per round all the
		 * same (the watchdog and the trace tell rounds apart by it). */
		work &= work - 1;
		if (__builtin_expect(work == 0, 1)) {
			cpu->rounds++;
			return;
		}
	}
}

uint64_t loop_round(struct cpu *cpu)
{
	unsigned i = loop_cpu_index(cpu);
	uint64_t work = pending_take_all(cpu);

	if (work)
		loop_dispatch(cpu, loop_fn[i].bit, loop_ctx[i].bit, work);
	return work;
}

/* The halt: arch_enable_irq_and_idle() itself, or, while a sleep observer
 * is set, loop_halt_observed() around it. One indirect call either way, so
 * the wake-up returns into the loop with no "is anyone observing?" test on
 * its path (timer_wake_latency counts it). */
static void (*loop_halt)(void) = arch_enable_irq_and_idle;

static void loop_halt_observed(void)
{
	struct cpu *cpu = arch_this_cpu();
	loop_sleep_observer_fn observer = loop_sleep_observer;

	if (observer)
		observer(cpu, false);
	arch_enable_irq_and_idle();
	if (observer)
		observer(cpu, true);
}

/* Inlined into loop_run(), so that a wake-up returns into the next take
 * without a function's return (timer_wake_latency counts it). */
static inline __attribute__((always_inline)) bool loop_sleep_inline(struct cpu *cpu)
{
	/*
	 * Check `pending` only with interrupts off. Checked with them on, a
	 * knock landing between the check and the halt would set its bit and
	 * return, and the CPU would then sleep with work pending until some
	 * unrelated interrupt came (the lost wake-up). With interrupts off, such
	 * a knock is held until arch_enable_irq_and_idle(), whose `sti; hlt`
	 * pair takes it and wakes the halt (the interrupt shadow of `sti` keeps
	 * it from landing before the `hlt`). See
	 * docs/architecture.md. tests/model/loop.pml checks this sequence
	 * with spin (`make model`): change it there too.
	 */
	arch_irq_disable();
	/*
	 * Another CPU knocks by setting a bit here and then, only if `idle`
	 * is set, sending the wake-up IPI (kernel/xcall.c). Set `idle` before
	 * the last check, both sides with full barriers: either the knocker
	 * sees `idle` and sends the IPI (held until the `sti; hlt` below, like
	 * any interrupt), or this check sees its bit. Never neither.
	 */
	__atomic_store_n(&cpu->idle, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cpu->pending, __ATOMIC_SEQ_CST) != 0) {
		arch_irq_enable();
		/* Awake after all: the tick's CPU may have seen the idle mark
		 * and masked the watchdog's tick (kernel/ticker.h). The mark
		 * goes down there, with a full barrier. */
		ticker_note_awake(cpu);
		return false;
	}
	cpu->sleeps++;
	/* Still before the `sti; hlt`, never between them. */
	loop_halt();
	cpu->wakeups++;
	/* The idle mark down, and on the ticker its flag with it: the two
	 * share the word (kernel/ticker.h). */
	__atomic_store_n(&cpu->idle, 0, __ATOMIC_RELAXED);
	return true;
}

void loop_sleep_if_idle(struct cpu *cpu)
{
	(void)loop_sleep_inline(cpu);
}

/* Out of line on purpose: seeing both of loop_run()'s rows at the same
 * offset from their arrays, the compiler would keep one offset register
 * and scale the bit by hand, one instruction more per dispatch. */
static __attribute__((noinline)) const struct loop_fn_row *loop_fn_row(unsigned cpu)
{
	return &loop_fn[cpu];
}

static __attribute__((noinline)) const struct loop_ctx_row *loop_ctx_row(unsigned cpu)
{
	return &loop_ctx[cpu];
}

/* Built with -fno-crossjumping (the Makefile's NO_CROSSJUMP_C): GCC would
 * otherwise merge the take after the round's last call with the take after
 * the sleep, and the usual round would pay a jump to reach it. */
_Noreturn void loop_run(void)
{
	struct cpu *cpu = arch_this_cpu();
	unsigned i = loop_cpu_index(cpu);
	const struct loop_fn_row *fn = loop_fn_row(i);
	const struct loop_ctx_row *ctx = loop_ctx_row(i);

	/* The take is written at the bottom of the loop so that GCC places
	 * it right after the dispatch: the round's last client returns into
	 * the next take with no jump in between (docs/interrupts.md). Only
	 * with nothing pending does the idle work (processes,
	 * docs/processes.md) get a turn, and only when it has nothing to do
	 * does the CPU sleep. */
	uint64_t work = pending_take_all(cpu);

	for (;;) {
		if (__builtin_expect(work != 0, 1)) {
dispatch:
			loop_dispatch(cpu, fn->bit, ctx->bit, work);
			work = pending_take_all(cpu);
			if (__builtin_expect(work != 0, 1))
				goto dispatch;
		}
		if (fn->idle && fn->idle(ctx->idle)) {
			cpu->idle_work++;
		} else if (loop_sleep_inline(cpu)) {
			/* Its own take after the halt, which the wake-up
			 * falls into (timer_wake_latency counts a jump to a
			 * shared one). */
			work = pending_take_all(cpu);
			if (__builtin_expect(work != 0, 1))
				goto dispatch;
		}
		work = pending_take_all(cpu);
		if (__builtin_expect(work != 0, 1))
			goto dispatch;
	}
}

enum loop_slot_kind loop_slot_kind(unsigned bit)
{
	return bit < PENDING_BITS ? loop_slots[bit].kind : LOOP_SLOT_FREE;
}

const char *loop_slot_name(unsigned bit)
{
	return bit < PENDING_BITS ? loop_slots[bit].name : NULL;
}

void loop_reset_for_test(void)
{
	loop_route = NULL;
	loop_set_sleep_observer(NULL);
	for (unsigned i = 0; i < CPU_MAX; i++) {
		loop_fn[i].idle = NULL;
		loop_ctx[i].idle = NULL;
	}
	for (unsigned bit = 0; bit < PENDING_BITS; bit++) {
		loop_slots[bit] = (struct loop_slot){ .kind = LOOP_SLOT_FREE };
		loop_make_unowned(bit);
	}
	/* A test that expected a panic leaves one "in progress"; forget it so
	 * the next test's panic is not reported as nested. */
	panic_reset_for_test();
}
