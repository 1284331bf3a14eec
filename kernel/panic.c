/*
 * panic(): say what went wrong, show where, and stop for good.
 *
 * Everything here runs when the kernel is already broken, so it trusts as
 * little as possible: interrupts go off first, a second panic (a fault in
 * the report itself) halts at once instead of recursing, and the backtrace
 * reads only memory inside stacks registered with panic_add_stack().
 *
 * On several CPUs, the first panic stops all the others (an NMI each,
 * arch_stop_other_cpus()) and waits until they have stopped, so exactly
 * one report is printed, whole (docs/smp.md).
 */
#include "panic.h"

#include <stdarg.h>

#include "arch.h"
#include "cpu.h"
#include "fmt.h"
#include "log.h"
#include "symbols.h"

/* Backtrace: the first HEAD frames, then the last TAIL (panic.h), of at
 * most MAX_WALK (more than a 16 KiB stack of 16-byte frames can hold). */
#define PANIC_BACKTRACE_MAX_WALK 2048

struct panic_stack {
	uintptr_t lo, hi; /* [lo, hi) */
};

/* A wait for the other CPUs to stop, in pause turns: far longer than an
 * NMI takes, short enough not to hide the report when one never comes. */
#define PANIC_STOP_WAIT_TURNS 1000000u

static unsigned panic_depth;
static uint32_t panic_owner;     /* id + 1 of the CPU whose report prints; 0: none */
static unsigned panic_stopped;   /* other CPUs that stopped for it */
static unsigned panic_unstopped; /* others still running when the wait ended */
static bool panic_reboot;
static struct panic_stack panic_stacks[PANIC_MAX_STACKS];
static unsigned panic_stack_count;

static unsigned other_cpus_online(unsigned me)
{
	unsigned n = 0;

	for (unsigned id = 0; id < CPU_MAX; id++) {
		const struct cpu *c = arch_cpu(id);
		if (c && id != me && __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			n++;
	}
	return n;
}

/* Stop every other CPU and wait (bounded) until each has, so that nothing
 * else runs, or prints, while the report does. */
static void stop_other_cpus(unsigned me)
{
	unsigned others = other_cpus_online(me);

	if (!others)
		return;
	arch_stop_other_cpus();
	for (unsigned turn = 0; turn < PANIC_STOP_WAIT_TURNS; turn++) {
		if (__atomic_load_n(&panic_stopped, __ATOMIC_ACQUIRE) >= others)
			return;
		arch_cpu_relax();
	}
	panic_unstopped = others - __atomic_load_n(&panic_stopped, __ATOMIC_ACQUIRE);
}

/*
 * One report, whoever panics: the first CPU to get here owns the panic and
 * stops the others; any other CPU that gets here (the owner's NMI, or a
 * fault of its own meanwhile) counts itself stopped and halts without a
 * word, so the owner's report is the only one and is never interleaved.
 */
void panic_enter(void)
{
	arch_irq_disable();
	unsigned me = arch_this_cpu_id_safe();
	uint32_t owner = 0;
	if (!__atomic_compare_exchange_n(&panic_owner, &owner, me + 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) &&
	    owner != me + 1) {
		__atomic_fetch_add(&panic_stopped, 1, __ATOMIC_RELEASE);
		arch_halt_forever();
	}
	/* From here on, log lines go out synchronously (log.h, panic mode):
	 * the loop that would drain a queued sink never runs again. */
	log_panic_mode();
	unsigned depth = __atomic_fetch_add(&panic_depth, 1, __ATOMIC_ACQ_REL);
	if (depth == 0) {
		stop_other_cpus(me);
		return;
	}
	/* Only the first nested panic prints: if printing is what faults,
	 * the next one halts silently instead of looping. */
	if (depth == 1)
		kprintf("PANIC: nested panic, halting\n");
	arch_halt_forever();
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_depth, __ATOMIC_ACQUIRE) != 0;
}

void panic_set_reboot(bool reboot)
{
	panic_reboot = reboot;
}

void panic_add_stack(uintptr_t lo, uintptr_t hi)
{
	if (panic_stack_count >= PANIC_MAX_STACKS || lo >= hi) {
		log_warn("panic: stack [%#lx, %#lx) not registered for backtraces",
			 (unsigned long)lo, (unsigned long)hi);
		return;
	}
	panic_stacks[panic_stack_count++] = (struct panic_stack){ lo, hi };
}

/* A frame is the two words at fp: the caller's fp and the return address. */
static bool panic_frame_readable(uintptr_t fp)
{
	if (fp == 0 || fp % sizeof(uintptr_t) != 0)
		return false;
	for (unsigned i = 0; i < panic_stack_count; i++) {
		const struct panic_stack *s = &panic_stacks[i];
		if (fp >= s->lo && fp < s->hi && s->hi - fp >= 2 * sizeof(uintptr_t))
			return true;
	}
	return false;
}

void panic_print_stack_top(uintptr_t sp)
{
	if (!panic_frame_readable(sp)) {
		kprintf("  (rip is outside the kernel's functions; rsp 0x%lx is not on a known stack)\n",
			(unsigned long)sp);
		return;
	}
	uintptr_t ret = *(const uintptr_t *)sp;
	uintptr_t off;
	const char *name = symbol_lookup(ret - 1, &off);
	kprintf("  (rip is outside the kernel's functions; [rsp] = 0x%016lx %s+0x%lx, the likely "
		"caller, if a call went astray)\n",
		(unsigned long)ret, name ? name : "?", name ? (unsigned long)off + 1 : 0ul);
}

/*
 * A return address is looked up one byte earlier: after a call to a
 * _Noreturn function (panic itself) it may already be the first byte of
 * the next function, but addr-1 is always inside the call instruction.
 */
static void panic_print_frame(unsigned n, uintptr_t addr, bool is_return_address)
{
	uintptr_t off;
	uintptr_t adjust = is_return_address ? 1 : 0;
	const char *name = symbol_lookup(addr - adjust, &off);

	if (name)
		kprintf("  #%u 0x%016lx %s+0x%lx\n", n, (unsigned long)addr, name,
			(unsigned long)(off + adjust));
	else
		kprintf("  #%u 0x%016lx ?\n", n, (unsigned long)addr);
}

/*
 * `rip` is where the code stopped and `frame_pointer` is the frame of the
 * function containing it (its saved fp at [fp], its return address at
 * [fp+8]). The walk follows the chain toward older frames, whose fps are
 * at higher addresses, and stops at the first frame that is null,
 * misaligned, outside every registered stack, or not above the last one.
 */
void panic_backtrace(uintptr_t rip, uintptr_t frame_pointer)
{
	panic_backtrace_from(rip, 0, frame_pointer);
}

void panic_backtrace_collect(uintptr_t rip, uintptr_t caller, uintptr_t frame_pointer,
			     struct panic_trace *out)
{
	/* The first frames say where it happened, the last ones how it got
	 * there (the loop, board_main). A deep recursion (a stack overflow)
	 * must not push the latter out, so the middle is skipped, not the end. */
	uintptr_t tail[PANIC_BACKTRACE_TAIL] = { 0 };
	unsigned n, shown_head = 0;
	uintptr_t fp = frame_pointer;

	out->count = 0;
	out->skipped = 0;
	out->frame[out->count++] = (struct panic_frame){ .n = 0, .addr = rip };
	n = 1;
	if (caller) {
		out->frame[out->count++] = (struct panic_frame){ .n = n, .addr = caller };
		shown_head = n++;
	}
	for (; n < PANIC_BACKTRACE_MAX_WALK; n++) {
		if (!panic_frame_readable(fp))
			break;
		const uintptr_t *frame = (const uintptr_t *)fp;
		uintptr_t next_fp = frame[0];
		uintptr_t ret = frame[1];
		if (ret == 0)
			break;
		if (n < PANIC_BACKTRACE_HEAD) {
			out->frame[out->count++] = (struct panic_frame){ .n = n, .addr = ret };
			shown_head = n;
		} else {
			tail[n % PANIC_BACKTRACE_TAIL] = ret;
		}
		if (next_fp <= fp) {
			n++;
			break;
		}
		fp = next_fp;
	}
	/* Frames shown_head+1 .. n-1 are in the tail ring (the last TAIL). */
	unsigned first_tail = shown_head + 1;
	out->skip_at = out->count;
	if (n > first_tail + PANIC_BACKTRACE_TAIL) {
		out->skipped = n - first_tail - PANIC_BACKTRACE_TAIL;
		first_tail = n - PANIC_BACKTRACE_TAIL;
	}
	for (unsigned i = first_tail; i < n; i++)
		out->frame[out->count++] =
			(struct panic_frame){ .n = i, .addr = tail[i % PANIC_BACKTRACE_TAIL] };
}

void panic_backtrace_print(const struct panic_trace *t)
{
	kprintf("backtrace:\n");
	for (unsigned i = 0; i < t->count; i++) {
		if (i == t->skip_at && t->skipped)
			kprintf("  ... %u frames skipped\n", t->skipped);
		/* Frame 0 is where the code stopped; the others are return
		 * addresses. */
		panic_print_frame(t->frame[i].n, t->frame[i].addr, i > 0);
	}
}

void panic_backtrace_from(uintptr_t rip, uintptr_t caller, uintptr_t frame_pointer)
{
	struct panic_trace t;

	panic_backtrace_collect(rip, caller, frame_pointer, &t);
	panic_backtrace_print(&t);
}

_Noreturn void panic_finish(void)
{
	if (panic_unstopped)
		kprintf("panic: %u other cpu%s did not stop (no NMI taken); they may still run\n",
			panic_unstopped, panic_unstopped == 1 ? "" : "s");
	if (panic_reboot) {
		kprintf("rebooting\n");
		arch_reboot();
	}
	kprintf("system halted (interrupts off)\n");
	arch_halt_forever();
}

_Noreturn void panic(const char *fmt, ...)
{
	/* Static: the stack may be what broke. Only the first panic gets past
	 * panic_enter(), so nothing else writes it. */
	static char message[LOG_LINE_MAX];
	va_list ap;

	panic_enter();
	va_start(ap, fmt);
	kvsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	kprintf("PANIC: %s\n", message);
	/* Frame #0 is panic itself, so #1 is whoever called it. */
	panic_backtrace((uintptr_t)panic, (uintptr_t)__builtin_frame_address(0));
	panic_finish();
}

void panic_reset_for_test(void)
{
	panic_depth = 0;
	panic_owner = 0;
	panic_stopped = 0;
	panic_unstopped = 0;
	panic_reboot = false;
	panic_stack_count = 0;
}
