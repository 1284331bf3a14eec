/*
 * The processes of one CPU and how the loop runs them (see processes.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/processes.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/string.h"

#define DEFAULT_RESTARTS 3

static bool fast_syscall(void *ctx, const struct syscall_args *a, struct syscall_result *r);

void processes_init(struct processes *ps, const struct hil_user *user, enum fault_policy policy,
		    unsigned restart_max)
{
	memset(ps, 0, sizeof(*ps));
	ps->user = user;
	ps->policy = policy;
	ps->restart_max = restart_max;
	if (user->set_syscall)
		user->set_syscall(user->hw, fast_syscall, ps);
}

static void slice_over(void *ctx, struct alarm *a)
{
	struct processes *ps = ctx;

	(void)a;
	ps->preemptions++; /* its knock has already brought the loop back */
}

void processes_set_timeslice(struct processes *ps, struct alarm_mux *mux, unsigned ms)
{
	ps->mux = ms ? mux : NULL;
	ps->slice_ms = ms;
	ps->slicing = ps->mux && ps->count > 1;
	if (!ps->mux)
		return;
	alarm_init(&ps->slice, "timeslice", slice_over, ps);
	ps->slice_ticks = alarm_mux_ms_to_ticks(mux, ms);
}

static unsigned slot_of(const struct processes *ps, const struct process *p)
{
	return (unsigned)(p - ps->proc);
}

/* Start p from its entry point: rdi = its memory's start, rsi = the
 * heap's start, rdx = the region's size. */
static void start(struct processes *ps, struct process *p)
{
	const uint64_t a[4] = { p->mem.base, p->mem.app_break, p->mem.size, 0 };
	ps->user->load(ps->user->hw, slot_of(ps, p), &p->mem, p->image.entry, p->mem.stack_hi, a);
}

bool processes_load(struct processes *ps, const char *name, const uint8_t *file, size_t len,
		    void *region, size_t size)
{
	if (ps->count == PROCESSES_MAX || ps->count == ps->user->slots) {
		log_warn("process %s: not loaded, the table is full (%u)", name, ps->count);
		return false;
	}
	struct process *p = &ps->proc[ps->count];
	const char *why = process_load(p, name, file, len, region, size);
	if (why) {
		log_warn("process %s: not loaded: %s", name, why);
		return false;
	}
	ps->count++;
	ps->slicing = ps->mux && ps->count > 1;
	start(ps, p);
	log_info("process %s: loaded, %lu bytes of image, %lu KiB of memory", p->name,
		 (unsigned long)(p->image.hi - p->image.lo), (unsigned long)(size / 1024));
	return true;
}

/* A fault report is built whole and written with one kwrite(), so the
 * console shows it as one message (above the shell's prompt, not with
 * the prompt redrawn between its lines). */
static char report[2048];
static size_t report_len;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(report + report_len, sizeof(report) - report_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		report_len += (size_t)n;
	if (report_len >= sizeof(report))
		report_len = sizeof(report) - 1; /* cut: the end of the report is lost */
}

static void report_layout(const struct process *p)
{
	const struct process_memory *m = &p->mem;
	say("  memory [%#lx-%#lx) %lu KiB:\n", (unsigned long)m->base,
	    (unsigned long)(m->base + m->size), (unsigned long)(m->size / 1024));
	for (unsigned i = 0; i < m->nimage; i++)
		say("    image   [%#lx-%#lx) %c%c%c\n", (unsigned long)m->image[i].lo,
		    (unsigned long)m->image[i].hi, 'r',
		    (m->image[i].access & PROC_WRITE) ? 'w' : '-',
		    (m->image[i].access & PROC_EXEC) ? 'x' : '-');
	say("    guard   [%#lx-%#lx)\n", (unsigned long)m->image_hi, (unsigned long)m->stack_lo);
	say("    stack   [%#lx-%#lx)\n", (unsigned long)m->stack_lo, (unsigned long)m->stack_hi);
	say("    heap    [%#lx-%#lx)\n", (unsigned long)m->stack_hi, (unsigned long)m->app_break);
	say("    grants  [%#lx-%#lx)\n", (unsigned long)m->kernel_break,
	    (unsigned long)(m->base + m->size));
}

/* What a fault address means for this process, for the report. */
static const char *explain(const struct process *p, const struct user_fault *f)
{
	const struct process_memory *m = &p->mem;
	if (f->vector != 14)
		return "";
	if (f->address >= m->image_hi && f->address < m->stack_lo)
		return " (stack overflow: the guard page under the stack)";
	if (f->address < m->base || f->address >= m->base + m->size)
		return " (not the process's memory)";
	if (f->address >= m->kernel_break)
		return " (the kernel's grant memory)";
	return "";
}

static void fault(struct processes *ps, struct process *p, const struct user_fault *f)
{
	bool restart = false;

	p->faults++;
	report_len = 0;
	say("\nprocess %s faulted: %s (vector %lu, error %#lx) at rip %#lx\n", p->name, f->name,
	    (unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->pc);
	if (f->vector == 14)
		say("  address %#lx%s\n", (unsigned long)f->address, explain(p, f));
	report_len += ps->user->dump(ps->user->hw, slot_of(ps, p), report + report_len,
				     sizeof(report) - report_len);
	report_layout(p);
	say("  syscalls %lu, upcalls %lu delivered, %lu dropped, restarts %lu\n",
	    (unsigned long)p->syscalls, (unsigned long)p->upcalls.delivered,
	    (unsigned long)p->upcalls.dropped, (unsigned long)p->restarts);
	switch (ps->policy) {
	case FAULT_PANIC:
		kwrite(report, report_len);
		panic("process %s faulted (procfault=panic)", p->name);
	case FAULT_RESTART:
		restart = p->restarts < ps->restart_max;
		if (restart)
			say("  policy: restart (%lu of %u)\n", (unsigned long)p->restarts + 1,
			    ps->restart_max);
		else
			say("  policy: restart, but it restarted %u times: stopped\n",
			    ps->restart_max);
		break;
	case FAULT_STOP:
		say("  policy: stop\n");
		break;
	}
	kwrite(report, report_len);
	syscall_release(p);
	process_stop(p, PROCESS_FAULTED);
	if (restart)
		processes_restart(ps, p);
}

/* Deliver upcall u: the chip calls its function on p's stack, and it
 * returns to where p called yield. */
static bool deliver(struct processes *ps, struct process *p, unsigned slot, const struct upcall *u)
{
	return ps->user->upcall(ps->user->hw, slot, &p->mem, u);
}

static void upcall_fault(struct processes *ps, struct process *p)
{
	struct user_fault f = {
		.name = "stack overflow delivering an upcall",
		.vector = 14,
		.pc = ps->user->pc(ps->user->hw, slot_of(ps, p)),
		.sp = ps->user->sp(ps->user->hw, slot_of(ps, p)),
	};
	f.address = f.sp;
	fault(ps, p, &f);
}

/* Could a process other than p run now? */
static bool another_runnable(const struct processes *ps, const struct process *p)
{
	for (unsigned i = 0; i < ps->count; i++) {
		const struct process *q = &ps->proc[i];
		if (q != p && (q->state == PROCESS_READY ||
			       (q->state == PROCESS_YIELDED && upcall_queue_count(&q->upcalls))))
			return true;
	}
	return false;
}

/*
 * The chip's fast path (kernel/hil/user.h): answer a call of the running
 * process in place. yield and exit change what runs next, so they go to
 * the loop (run_until_stop), as do brk and sbrk; every other call is
 * answered here, checked by the same code (syscall_answer()).
 */
static bool fast_syscall(void *ctx, const struct syscall_args *a, struct syscall_result *r)
{
	const struct processes *ps = ctx;

	/* brk and sbrk move the break, and the pages must be mapped again:
	 * the loop's path does it (run_until_stop). */
	if (a->cls == SYSCALL_MEMOP && a->a[0] <= MEMOP_SBRK)
		return false;
	return syscall_answer(ps->running, a, r);
}

/*
 * After a run that a knock did not end: the call the fast path left to
 * the loop, or the fault. Returns true if the process can run on (the
 * call was answered, or an upcall is to run): it stays ready, and the
 * loop's next turn runs it, or the next ready process (every run starts
 * from processes_run_one(), so every knock takes the same way back).
 */
static __attribute__((noinline)) bool stopped(struct processes *ps, enum user_stop stop)
{
	struct process *p = ps->running;
	unsigned slot = ps->slot;
	struct syscall_result r;
	struct user_fault f;
	struct upcall u;

	if (stop == USER_NOT_RUN)
		return false;
	if (stop == USER_FAULT) {
		ps->user->fault(ps->user->hw, slot, &f);
		fault(ps, p, &f);
		return false;
	}
	uint64_t brk = p->mem.app_break;
	switch (syscall_handle(p, &ps->args, &r, &u)) {
	case SYSCALL_RETURN:
		if (p->mem.app_break != brk)
			ps->user->remap(ps->user->hw, slot, &p->mem);
		ps->user->set_return(ps->user->hw, slot, &r);
		return true;
	case SYSCALL_UPCALL:
		if (!deliver(ps, p, slot, &u)) {
			upcall_fault(ps, p);
			return false;
		}
		return true;
	case SYSCALL_BLOCK:
		return false;
	case SYSCALL_EXITED:
		log_info("process %s: exited with %lu", p->name, (unsigned long)p->exit_code);
		return false;
	case SYSCALL_RESTART:
		processes_restart(ps, p);
		return false;
	}
	return false;
}

/* The run is over, and not by a knock: the call or the fault (stopped()),
 * then cancel the slice if the process gave up the CPU (see pick()). */
static __attribute__((noinline)) bool run_over(struct processes *ps, enum user_stop stop)
{
	stopped(ps, stop);
	if (ps->mux && alarm_is_armed(ps->mux, &ps->slice) && ps->running->state != PROCESS_READY)
		alarm_cancel(ps->mux, &ps->slice);
	return true;
}

/*
 * Choose the process to run next, round robin: one that is ready, or one
 * that waits in yield and has an upcall (delivered here). It becomes
 * ps->running (in ps->slot): PICK_RUN. PICK_NONE if none can run;
 * PICK_FAULTED if the one chosen had no room on its stack for its upcall
 * (the caller reports the fault: work was done, but nothing is to run).
 *
 * The timeslice: it is there to share the CPU between processes, since a
 * knock of any other kind already ends a run (the shell and the capsules
 * never wait for a process); so it is armed only when some other process
 * could run now. Only the loop makes a process runnable (an upcall queued
 * by a capsule, a restart), and the loop runs only once a knock has ended
 * the current run; so a process that runs alone arms nothing, and the next
 * run looks again. The slice is cancelled when the process gives up the
 * CPU (so a system of waiting processes arms no alarm), and left running
 * when a knock interrupted it (the next run sets it anew).
 */
enum pick {
	PICK_NONE,
	PICK_RUN,
	PICK_FAULTED
};

static __attribute__((noinline)) enum pick pick(struct processes *ps)
{
	unsigned n = ps->count, i = ps->next;
	struct process *p = &ps->proc[i];

	for (unsigned k = 0; k < n; k++) {
		struct process *q = p;
		unsigned slot = i;

		/* The next one, round robin (a pointer and its index: no multiply). */
		if (++i == n) {
			i = 0;
			p = ps->proc;
		} else {
			p++;
		}
		if (q->state == PROCESS_YIELDED) {
			if (!upcall_queue_count(&q->upcalls))
				continue;
		} else if (q->state != PROCESS_READY) {
			continue;
		}
		ps->next = i;
		ps->running = q;
		ps->slot = slot;
		if (q->state == PROCESS_READY)
			return PICK_RUN;
		/* Taken from the queue first (its slot stays as it is until the
		 * next push), so that nothing is left to do after the call. */
		const struct upcall *u = &q->upcalls.slot[q->upcalls.head]; /* count > 0 */
		upcall_queue_drop(&q->upcalls);
		q->state = PROCESS_READY;
		return deliver(ps, q, slot, u) ? PICK_RUN : PICK_FAULTED;
	}
	return PICK_NONE;
}

/* The timeslice, for the process pick() chose (see there). */
static __attribute__((noinline)) void slice(struct processes *ps)
{
	if (another_runnable(ps, ps->running))
		alarm_set_oneshot(ps->mux, &ps->slice, ps->slice_ticks);
}

/*
 * The loop's idle work: run the next process until it stops (a knock, a
 * call the fast path (fast_syscall) does not answer, a fault); stopped()
 * handles the call or the fault. The
 * usual end, a knock, returns straight to the loop (user_knock_instructions
 * counts this way back: keep it short).
 */
/* Without a frame pointer (the one function here): on the knock's way
 * back it saves an instruction of the figure, and a backtrace through it
 * only skips its frame (RBP is left as the loop's). GCC's attribute; the
 * host's clang builds (the fuzzers) keep the frame. */
#if defined(__GNUC__) && !defined(__clang__)
#define WITHOUT_FRAME_POINTER __attribute__((optimize("omit-frame-pointer")))
#else
#define WITHOUT_FRAME_POINTER
#endif

WITHOUT_FRAME_POINTER bool processes_run_one(void *ctx)
{
	struct processes *ps = ctx;
	enum pick picked = pick(ps);

	if (__builtin_expect(picked != PICK_RUN, 0)) {
		if (picked == PICK_NONE)
			return false;
		upcall_fault(ps, ps->running);
		return true;
	}
	if (ps->slicing)
		slice(ps);
	enum user_stop stop = ps->user->run(ps->user->hw, ps->slot, &ps->args);
	if (__builtin_expect(stop != USER_INTERRUPTED, 0))
		return run_over(ps, stop);
	return true;
}

struct process *processes_find(struct processes *ps, const char *name)
{
	for (unsigned i = 0; i < ps->count; i++)
		if (strcmp(ps->proc[i].name, name) == 0)
			return &ps->proc[i];
	return NULL;
}

bool processes_restart(struct processes *ps, struct process *p)
{
	syscall_release(p);
	const char *why = process_restart(p);
	if (why) {
		log_warn("process %s: cannot restart: %s", p->name, why);
		return false;
	}
	start(ps, p);
	return true;
}

void processes_kill(struct processes *ps, struct process *p)
{
	(void)ps;
	syscall_release(p);
	process_stop(p, PROCESS_KILLED);
}

bool processes_parse_policy(const char *s, enum fault_policy *policy, unsigned *restart_max)
{
	if (strcmp(s, "stop") == 0) {
		*policy = FAULT_STOP;
		return true;
	}
	if (strcmp(s, "panic") == 0) {
		*policy = FAULT_PANIC;
		return true;
	}
	if (strncmp(s, "restart", 7) != 0)
		return false;
	if (s[7] == '\0') {
		*policy = FAULT_RESTART;
		*restart_max = DEFAULT_RESTARTS;
		return true;
	}
	if (s[7] != ':' || s[8] == '\0')
		return false;
	unsigned n = 0;
	for (const char *c = s + 8; *c; c++) {
		if (*c < '0' || *c > '9' || n > 100000)
			return false;
		n = n * 10 + (unsigned)(*c - '0');
	}
	*policy = FAULT_RESTART;
	*restart_max = n;
	return true;
}
