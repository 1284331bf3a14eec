/*
 * The system call layer: the five calls with the meaning Tock's TRD 104
 * gives them (yield, subscribe, command, allow read-write / read-only,
 * memop, exit), decoded and checked here, portably, before any capsule
 * sees them. The chip's entry path (chips/x86_64/) only moves registers
 * into a struct syscall_args and a struct syscall_result back out.
 *
 * A capsule that serves processes is a *syscall driver*: a struct
 * syscall_driver with its TRD 104 driver number, how many upcalls and
 * buffers it takes, the size of its per-process state (kept in a grant),
 * and its command function. As in Tock 2.1 the kernel, not the driver,
 * keeps subscriptions and allowed buffers (in the driver's grant, before
 * the driver's own state), so a well-formed subscribe or allow can never
 * be refused by a driver, and a driver reaches a process's buffer only
 * through syscall_buffer_rw/ro(), which check it again on every use.
 *
 * docs/processes.md has the table of calls, arguments and errors.
 */
#ifndef KNOCK_KERNEL_SYSCALL_H
#define KNOCK_KERNEL_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process.h"

/* Call classes (TRD 104 section 3). */
enum syscall_class {
	SYSCALL_YIELD = 0,
	SYSCALL_SUBSCRIBE = 1,
	SYSCALL_COMMAND = 2,
	SYSCALL_ALLOW_RW = 3,
	SYSCALL_ALLOW_RO = 4,
	SYSCALL_MEMOP = 5,
	SYSCALL_EXIT = 6,
};

/* Return variants (TRD 104 section 3.2). */
enum syscall_variant {
	SYSCALL_FAILURE = 0,
	SYSCALL_FAILURE_U32 = 1,
	SYSCALL_FAILURE_U32_U32 = 2,
	SYSCALL_FAILURE_U64 = 3,
	SYSCALL_SUCCESS = 128,
	SYSCALL_SUCCESS_U32 = 129,
	SYSCALL_SUCCESS_U32_U32 = 130,
	SYSCALL_SUCCESS_U64 = 131,
	SYSCALL_SUCCESS_U32_U32_U32 = 132,
	SYSCALL_SUCCESS_U32_U64 = 133,
};

/* Error codes (TRD 104 section 3.3). */
enum syscall_error {
	ERR_FAIL = 1,
	ERR_BUSY = 2,
	ERR_ALREADY = 3,
	ERR_OFF = 4,
	ERR_RESERVE = 5,
	ERR_INVAL = 6,
	ERR_SIZE = 7,
	ERR_CANCEL = 8,
	ERR_NOMEM = 9,
	ERR_NOSUPPORT = 10,
	ERR_NODEVICE = 11,
	ERR_UNINSTALLED = 12,
	ERR_NOACK = 13,
};

/* yield's argument; memop's operations. */
#define YIELD_NO_WAIT 0
#define YIELD_WAIT 1
#define EXIT_TERMINATE 0
#define EXIT_RESTART 1
enum memop_op {
	MEMOP_BRK = 0,
	MEMOP_SBRK = 1,
	MEMOP_MEMORY_START = 2,
	MEMOP_MEMORY_END = 3,
	MEMOP_IMAGE_START = 4,
	MEMOP_IMAGE_END = 5,
	MEMOP_GRANT_START = 6,
};

struct syscall_args {
	uint64_t cls; /* enum syscall_class */
	uint64_t a[4];
};

/* What goes back to the process: the variant, then up to three values. */
struct syscall_result {
	uint64_t variant; /* enum syscall_variant */
	uint64_t v[3];
};

static inline struct syscall_result syscall_success(void)
{
	return (struct syscall_result){ SYSCALL_SUCCESS, { 0, 0, 0 } };
}

static inline struct syscall_result syscall_success_u32(uint32_t a)
{
	return (struct syscall_result){ SYSCALL_SUCCESS_U32, { a, 0, 0 } };
}

static inline struct syscall_result syscall_success_u32_u32(uint32_t a, uint32_t b)
{
	return (struct syscall_result){ SYSCALL_SUCCESS_U32_U32, { a, b, 0 } };
}

static inline struct syscall_result syscall_success_u64(uint64_t a)
{
	return (struct syscall_result){ SYSCALL_SUCCESS_U64, { a, 0, 0 } };
}

static inline struct syscall_result syscall_failure(enum syscall_error e)
{
	return (struct syscall_result){ SYSCALL_FAILURE, { e, 0, 0 } };
}

struct syscall_driver {
	uint32_t number; /* TRD 104 driver number: 0x0 alarm, 0x1 console, ... */
	const char *name;
	unsigned grant;     /* its grant number (board-assigned, < GRANT_MAX) */
	size_t state_size;  /* its own per-process state, zeroed on first use */
	unsigned upcalls;   /* subscribe numbers 0 .. upcalls-1 */
	unsigned allows_rw; /* allow_rw numbers */
	unsigned allows_ro; /* allow_ro numbers */
	/* Command `cmd` (0: "exists", must succeed) from process p. */
	struct syscall_result (*command)(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
					 uint64_t a2);
	/* Optional: p is going away (exit, fault, kill, restart) and its
	 * grants with it; take back whatever of the driver's state others
	 * hold (an armed alarm in the grant, say). Only called if p entered
	 * the driver's grant. */
	void (*release)(void *ctx, const struct process *p, void *state);
	/* Optional: its counters since boot, for the shell's `drivers`, as
	 * "name value" pairs joined by ", " in buf (ksnprintf's result). */
	int (*counters)(void *ctx, char *buf, size_t size);
	void *ctx;
};

/* What the caller (the chip's entry path, through the scheduler) does next. */
enum syscall_action {
	SYSCALL_RETURN,  /* back to the process with *r */
	SYSCALL_UPCALL,  /* run *u in the process; yield returns when it does */
	SYSCALL_BLOCK,   /* the process waits in yield (state YIELDED) */
	SYSCALL_EXITED,  /* exit terminate: the process is EXITED */
	SYSCALL_RESTART, /* exit restart: start it again */
};

/* Boot time: make a driver reachable. At most SYSCALL_DRIVERS_MAX; a
 * second driver with the same number or grant panics. */
#define SYSCALL_DRIVERS_MAX 8
void syscall_register(const struct syscall_driver *d);

/* The i-th driver registered, in order, or NULL past the last. */
const struct syscall_driver *syscall_driver_at(unsigned i);
void syscall_reset_for_test(void);

/* The calls answered at once, whoever runs next (command, subscribe,
 * allow, memop): answer one into *r and return true; false for the others
 * (yield, exit, an unknown class), untouched. The chip's fast path
 * (kernel/hil/user.h) uses it; syscall_handle() begins with it. */
bool syscall_answer(struct process *p, const struct syscall_args *a, struct syscall_result *r);

/* One call from process p. *r is set for SYSCALL_RETURN, *u for SYSCALL_UPCALL. */
enum syscall_action syscall_handle(struct process *p, const struct syscall_args *a,
				   struct syscall_result *r, struct upcall *u);

/* p's grants are about to be freed: every driver's release(). The
 * processes capsule calls it before process_stop() and process_restart();
 * exit (terminate) calls it itself. */
void syscall_release(struct process *p);

/* --- for syscall drivers ------------------------------------------------ */

/* The driver's state for p (state_size bytes, zeroed on first use), or
 * NULL if p's region has no room for it (answer ERR_NOMEM). */
void *syscall_driver_state(const struct syscall_driver *d, struct process *p);

/*
 * Queue upcall `sub` of the driver for p with three arguments. Returns
 * false if p has not subscribed a function (nothing to call: not an
 * error) or its queue is full (counted in p->upcalls.dropped).
 */
bool syscall_schedule_upcall(const struct syscall_driver *d, struct process *p, unsigned sub,
			     uint64_t a0, uint64_t a1, uint64_t a2);

/*
 * The buffer p allowed as number n: the kernel's pointer and its length.
 * Checked again here, so a buffer the process has since given up (its
 * break moved below it) is refused. False (and *buf NULL, *len 0) if
 * there is none or it is no longer the process's.
 */
bool syscall_buffer_rw(const struct syscall_driver *d, struct process *p, unsigned n, void **buf,
		       size_t *len);
bool syscall_buffer_ro(const struct syscall_driver *d, struct process *p, unsigned n,
		       const void **buf, size_t *len);

#endif
