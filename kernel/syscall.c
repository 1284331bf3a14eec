/*
 * The system call layer (see syscall.h). Every argument a process passes
 * is checked here against its own memory (kernel/process_memory.h)
 * before a driver sees it; a bad one is an error code, never a fault in
 * the kernel.
 *
 * A driver's grant is laid out as: its upcall slots, its read-write
 * buffer slots, its read-only buffer slots, then (16-aligned) the
 * driver's own state.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grant.h"
#include "panic.h"
#include "string.h"
#include "syscall.h"

struct upcall_slot {
	uint64_t fn, userdata;
};

struct buffer_slot {
	uint64_t addr, len; /* as the process passed them */
};

static const struct syscall_driver *drivers[SYSCALL_DRIVERS_MAX];
static unsigned ndrivers;

void syscall_register(const struct syscall_driver *d)
{
	if (ndrivers == SYSCALL_DRIVERS_MAX)
		panic("syscall: more than %u drivers (%s)", (unsigned)SYSCALL_DRIVERS_MAX, d->name);
	if (d->grant >= GRANT_MAX)
		panic("syscall: driver %s has grant %u (GRANT_MAX %u)", d->name, d->grant,
		      (unsigned)GRANT_MAX);
	for (unsigned i = 0; i < ndrivers; i++)
		if (drivers[i]->number == d->number || drivers[i]->grant == d->grant)
			panic("syscall: drivers %s and %s share a number or a grant",
			      drivers[i]->name, d->name);
	drivers[ndrivers++] = d;
}

const struct syscall_driver *syscall_driver_at(unsigned i)
{
	return i < ndrivers ? drivers[i] : NULL;
}

void syscall_reset_for_test(void)
{
	ndrivers = 0;
}

static const struct syscall_driver *find_driver(uint64_t number)
{
	for (unsigned i = 0; i < ndrivers; i++)
		if (drivers[i]->number == number)
			return drivers[i];
	return NULL;
}

static size_t header_size(const struct syscall_driver *d)
{
	size_t n = d->upcalls * sizeof(struct upcall_slot) +
		   (d->allows_rw + d->allows_ro) * sizeof(struct buffer_slot);
	return (n + 15) & ~(size_t)15;
}

/* The driver's grant for p: slots, then state. NULL when out of memory. */
static uint8_t *enter(const struct syscall_driver *d, struct process *p)
{
	return grant_enter(&p->grants, &p->mem, d->grant, header_size(d) + d->state_size);
}

static struct upcall_slot *upcall_slots(uint8_t *g)
{
	return (struct upcall_slot *)g;
}

static struct buffer_slot *rw_slots(const struct syscall_driver *d, uint8_t *g)
{
	return (struct buffer_slot *)(g + d->upcalls * sizeof(struct upcall_slot));
}

static struct buffer_slot *ro_slots(const struct syscall_driver *d, uint8_t *g)
{
	return rw_slots(d, g) + d->allows_rw;
}

void *syscall_driver_state(const struct syscall_driver *d, struct process *p)
{
	uint8_t *g = enter(d, p);
	return g ? g + header_size(d) : NULL;
}

/* Failure with the two values the process passed (subscribe, allow). */
static struct syscall_result refuse(enum syscall_error e, uint64_t x, uint64_t y)
{
	return (struct syscall_result){ SYSCALL_FAILURE_U32_U32, { e, x, y } };
}

static struct syscall_result subscribe(struct process *p, const uint64_t *a)
{
	const struct syscall_driver *d = find_driver(a[0]);
	uint64_t fn = a[2], userdata = a[3];

	if (!d)
		return refuse(ERR_NODEVICE, fn, userdata);
	if (a[1] >= d->upcalls)
		return refuse(ERR_INVAL, fn, userdata);
	/* The function will be put in RIP: it must be the process's code. */
	if (fn != 0 && !process_memory_check(&p->mem, fn, 1, PROC_READ | PROC_EXEC))
		return refuse(ERR_INVAL, fn, userdata);
	uint8_t *g = enter(d, p);
	if (!g)
		return refuse(ERR_NOMEM, fn, userdata);
	struct upcall_slot *s = &upcall_slots(g)[a[1]];
	struct upcall_slot old = *s;
	s->fn = fn;
	s->userdata = userdata;
	/* The old function never runs after subscribe has returned. */
	upcall_queue_remove(&p->upcalls, d->number, (uint32_t)a[1]);
	return (struct syscall_result){ SYSCALL_SUCCESS_U32_U32, { old.fn, old.userdata, 0 } };
}

static struct syscall_result allow(struct process *p, const uint64_t *a, bool rw)
{
	const struct syscall_driver *d = find_driver(a[0]);
	uint64_t addr = a[2], len = a[3];

	if (!d)
		return refuse(ERR_NODEVICE, addr, len);
	if (a[1] >= (rw ? d->allows_rw : d->allows_ro))
		return refuse(ERR_INVAL, addr, len);
	if (len > SIZE_MAX || !process_memory_check(&p->mem, addr, (size_t)len,
						    rw ? PROC_READ | PROC_WRITE : PROC_READ))
		return refuse(ERR_INVAL, addr, len);
	uint8_t *g = enter(d, p);
	if (!g)
		return refuse(ERR_NOMEM, addr, len);
	struct buffer_slot *s = rw ? &rw_slots(d, g)[a[1]] : &ro_slots(d, g)[a[1]];
	struct buffer_slot old = *s;
	s->addr = addr;
	s->len = len;
	return (struct syscall_result){ SYSCALL_SUCCESS_U32_U32, { old.addr, old.len, 0 } };
}

/* Command 0 of a driver that exists is success (TRD 104: "does this
 * driver exist?"), answered here without calling the driver. */
static struct syscall_result command(struct process *p, const uint64_t *a)
{
	const struct syscall_driver *d = find_driver(a[0]);

	if (!d)
		return syscall_failure(ERR_NODEVICE);
	if ((uint32_t)a[1] == 0)
		return syscall_success();
	return d->command(d->ctx, p, (uint32_t)a[1], a[2], a[3]);
}

static struct syscall_result memop(struct process *p, const uint64_t *a)
{
	struct process_memory *m = &p->mem;
	uint64_t old;

	switch (a[0]) {
	case MEMOP_BRK:
		return process_memory_brk(m, a[1]) ? syscall_success() : syscall_failure(ERR_NOMEM);
	case MEMOP_SBRK:
		if (!process_memory_sbrk(m, (int64_t)a[1], &old))
			return syscall_failure(ERR_NOMEM);
		return syscall_success_u64(old);
	case MEMOP_MEMORY_START:
		return syscall_success_u64(m->base);
	case MEMOP_MEMORY_END:
		return syscall_success_u64(m->app_break);
	case MEMOP_IMAGE_START:
		return syscall_success_u64(p->image.lo);
	case MEMOP_IMAGE_END:
		return syscall_success_u64(p->image.hi);
	case MEMOP_GRANT_START:
		return syscall_success_u64(m->kernel_break);
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

static enum syscall_action yield(struct process *p, const uint64_t *a, struct syscall_result *r,
				 struct upcall *u)
{
	void *flag = NULL;

	*r = syscall_success();
	switch (a[0]) {
	case YIELD_NO_WAIT:
		/* The byte that says whether an upcall ran: the process's own, or none. */
		if (a[1] && !process_memory_translate(&p->mem, a[1], 1, PROC_WRITE, &flag))
			flag = NULL;
		if (upcall_queue_pop(&p->upcalls, u)) {
			if (flag)
				*(uint8_t *)flag = 1;
			return SYSCALL_UPCALL;
		}
		if (flag)
			*(uint8_t *)flag = 0;
		return SYSCALL_RETURN;
	case YIELD_WAIT:
		if (upcall_queue_pop(&p->upcalls, u))
			return SYSCALL_UPCALL;
		p->state = PROCESS_YIELDED;
		return SYSCALL_BLOCK;
	default:
		*r = syscall_failure(ERR_NOSUPPORT);
		return SYSCALL_RETURN;
	}
}

/* One class each, out of line: syscall_answer() is then a dispatch that
 * jumps to them, and the short ones (command 0) pay for no register the
 * long ones need. */
static __attribute__((noinline)) bool answer_command(struct process *p, const uint64_t *a,
						     struct syscall_result *r)
{
	p->syscalls++;
	*r = command(p, a);
	return true;
}

static __attribute__((noinline)) bool answer_subscribe(struct process *p, const uint64_t *a,
						       struct syscall_result *r)
{
	p->syscalls++;
	*r = subscribe(p, a);
	return true;
}

static __attribute__((noinline)) bool answer_allow(struct process *p, const uint64_t *a,
						   struct syscall_result *r, bool rw)
{
	p->syscalls++;
	*r = allow(p, a, rw);
	return true;
}

static __attribute__((noinline)) bool answer_memop(struct process *p, const uint64_t *a,
						   struct syscall_result *r)
{
	p->syscalls++;
	*r = memop(p, a);
	return true;
}

bool syscall_answer(struct process *p, const struct syscall_args *a, struct syscall_result *r)
{
	switch (a->cls) {
	case SYSCALL_COMMAND:
		return answer_command(p, a->a, r);
	case SYSCALL_SUBSCRIBE:
		return answer_subscribe(p, a->a, r);
	case SYSCALL_ALLOW_RW:
		return answer_allow(p, a->a, r, true);
	case SYSCALL_ALLOW_RO:
		return answer_allow(p, a->a, r, false);
	case SYSCALL_MEMOP:
		return answer_memop(p, a->a, r);
	default:
		return false;
	}
}

enum syscall_action syscall_handle(struct process *p, const struct syscall_args *a,
				   struct syscall_result *r, struct upcall *u)
{
	if (syscall_answer(p, a, r))
		return SYSCALL_RETURN;
	p->syscalls++;
	switch (a->cls) {
	case SYSCALL_YIELD:
		return yield(p, a->a, r, u);
	case SYSCALL_EXIT:
		if (a->a[0] == EXIT_TERMINATE) {
			p->exit_code = a->a[1];
			syscall_release(p);
			process_stop(p, PROCESS_EXITED);
			return SYSCALL_EXITED;
		}
		if (a->a[0] == EXIT_RESTART)
			return SYSCALL_RESTART;
		*r = syscall_failure(ERR_NOSUPPORT);
		return SYSCALL_RETURN;
	default:
		*r = syscall_failure(ERR_NOSUPPORT);
		return SYSCALL_RETURN;
	}
}

void syscall_release(struct process *p)
{
	for (unsigned i = 0; i < ndrivers; i++) {
		const struct syscall_driver *d = drivers[i];
		uint8_t *g = d->grant < GRANT_MAX ? p->grants.slot[d->grant] : NULL;
		if (d->release && g)
			d->release(d->ctx, p, g + header_size(d));
	}
}

bool syscall_schedule_upcall(const struct syscall_driver *d, struct process *p, unsigned sub,
			     uint64_t a0, uint64_t a1, uint64_t a2)
{
	if (sub >= d->upcalls || p->state == PROCESS_EMPTY || p->state > PROCESS_YIELDED)
		return false;
	/* No grant yet: nothing was subscribed (subscribe enters the grant). */
	const struct upcall_slot *s = (const struct upcall_slot *)p->grants.slot[d->grant];
	if (!s || s[sub].fn == 0)
		return false;
	struct upcall *up = upcall_queue_tail(&p->upcalls);
	if (!up)
		return false;
	*up = (struct upcall){
		.driver = d->number,
		.subscribe = sub,
		.fn = s[sub].fn,
		.userdata = s[sub].userdata,
		.arg = { a0, a1, a2 },
	};
	upcall_queue_commit(&p->upcalls);
	return true;
}

static bool buffer(const struct syscall_driver *d, struct process *p, unsigned n, bool rw,
		   void **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (n >= (rw ? d->allows_rw : d->allows_ro))
		return false;
	uint8_t *g = enter(d, p);
	if (!g)
		return false;
	const struct buffer_slot *s = rw ? &rw_slots(d, g)[n] : &ro_slots(d, g)[n];
	if (s->len == 0 || !process_memory_translate(&p->mem, s->addr, (size_t)s->len,
						     rw ? PROC_READ | PROC_WRITE : PROC_READ, buf))
		return false;
	*len = (size_t)s->len;
	return true;
}

bool syscall_buffer_rw(const struct syscall_driver *d, struct process *p, unsigned n, void **buf,
		       size_t *len)
{
	return buffer(d, p, n, true, buf, len);
}

bool syscall_buffer_ro(const struct syscall_driver *d, struct process *p, unsigned n,
		       const void **buf, size_t *len)
{
	void *b;
	bool ok = buffer(d, p, n, false, &b, len);
	*buf = b;
	return ok;
}
