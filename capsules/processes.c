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

/* The System V ABI's red zone: 128 bytes below RSP a leaf function may
 * use, which an upcall's frame must not overwrite. */
#define RED_ZONE 128
#define DEFAULT_RESTARTS 3

void processes_init(struct processes *ps, const struct hil_user *user, enum fault_policy policy,
		    unsigned restart_max)
{
	memset(ps, 0, sizeof(*ps));
	ps->user = user;
	ps->policy = policy;
	ps->restart_max = restart_max;
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

/* Deliver upcall u: the function runs on p's stack, below the red zone,
 * and returns to where p called yield. */
static bool deliver(struct processes *ps, struct process *p, const struct upcall *u)
{
	unsigned slot = slot_of(ps, p);
	uint64_t ret = ps->user->pc(ps->user->hw, slot);
	uint64_t sp = ps->user->sp(ps->user->hw, slot);
	void *k;

	/* At a function's entry RSP + 8 is 16-aligned (the return address). */
	if (sp < RED_ZONE + 64)
		return false;
	sp = ((sp - RED_ZONE) & ~(uint64_t)15) - 8;
	if (!process_memory_translate(&p->mem, sp, 8, PROC_WRITE, &k))
		return false;
	memcpy(k, &ret, 8);
	const uint64_t a[4] = { u->arg[0], u->arg[1], u->arg[2], u->userdata };
	ps->user->call(ps->user->hw, slot, u->fn, sp, a);
	return true;
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

static void run_until_stop(struct processes *ps, struct process *p);

/* Run p until it stops, within a timeslice. The slice is cancelled when p
 * gives up the CPU (so a system of waiting processes arms no alarm), and
 * left running when a knock interrupted p (the next run sets it anew). */
static void run(struct processes *ps, struct process *p)
{
	if (ps->mux)
		alarm_set_oneshot(ps->mux, &ps->slice, ps->slice_ticks);
	run_until_stop(ps, p);
	if (ps->mux && p->state != PROCESS_READY)
		alarm_cancel(ps->mux, &ps->slice);
}

static void run_until_stop(struct processes *ps, struct process *p)
{
	unsigned slot = slot_of(ps, p);
	struct syscall_args args;
	struct syscall_result r;
	struct user_fault f;
	struct upcall u;

	for (;;) {
		switch (ps->user->run(ps->user->hw, slot, &args, &f)) {
		case USER_NOT_RUN:
		case USER_INTERRUPTED:
			return;
		case USER_FAULT:
			fault(ps, p, &f);
			return;
		case USER_SYSCALL:
			break;
		}
		uint64_t brk = p->mem.app_break;
		switch (syscall_handle(p, &args, &r, &u)) {
		case SYSCALL_RETURN:
			if (p->mem.app_break != brk)
				ps->user->remap(ps->user->hw, slot, &p->mem);
			ps->user->set_return(ps->user->hw, slot, &r);
			break;
		case SYSCALL_UPCALL:
			if (!deliver(ps, p, &u)) {
				upcall_fault(ps, p);
				return;
			}
			break;
		case SYSCALL_BLOCK:
			return;
		case SYSCALL_EXITED:
			log_info("process %s: exited with %lu", p->name,
				 (unsigned long)p->exit_code);
			return;
		case SYSCALL_RESTART:
			processes_restart(ps, p);
			return;
		}
	}
}

bool processes_run_one(void *ctx)
{
	struct processes *ps = ctx;

	for (unsigned k = 0; k < ps->count; k++) {
		unsigned i = (ps->next + k) % ps->count;
		struct process *p = &ps->proc[i];
		struct upcall u;

		if (p->state == PROCESS_YIELDED && upcall_queue_pop(&p->upcalls, &u)) {
			p->state = PROCESS_READY;
			if (!deliver(ps, p, &u)) {
				upcall_fault(ps, p);
				return true;
			}
		}
		if (p->state != PROCESS_READY)
			continue;
		ps->next = i + 1;
		run(ps, p);
		return true;
	}
	return false;
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
