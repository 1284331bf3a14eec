/*
 * HIL: a CPU that runs user code in its own address space (ring 3 on
 * x86_64: chips/x86_64/user_mode.c). The processes capsule
 * (capsules/processes.h) uses it to run each process until it makes a
 * system call, is interrupted by a knock, or faults; it never sees a
 * register name. docs/processes.md has the model.
 *
 * Processes are numbered by slot, 0 .. the chip's slot count - 1; each
 * slot has its own saved registers and page tables.
 */
#ifndef KNOCK_KERNEL_HIL_USER_H
#define KNOCK_KERNEL_HIL_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/process_memory.h"
#include "kernel/syscall.h"

/* The values are the chip's (its entry code returns them as they are). */
enum user_stop {
	USER_SYSCALL = 0,     /* it made a call the fast path left to the loop: *args holds it */
	USER_INTERRUPTED = 1, /* a knock landed while it ran: it is preempted, the loop answers */
	USER_FAULT = 2,       /* it faulted: fault() says how */
	USER_NOT_RUN = 3,     /* a bit was pending at entry: it did not run at all */
};

struct user_fault {
	const char *name; /* "page fault", "general protection", ... */
	uint64_t vector;  /* the CPU's number for it */
	uint64_t error;   /* the CPU's error code, 0 if none */
	uint64_t address; /* the address a page fault touched; 0 otherwise */
	uint64_t pc, sp;  /* where the process was */
};

/*
 * The fast path for system calls: the chip calls it in place, on the
 * kernel's stack with interrupts off, for every call the running process
 * makes. It either answers (*r set, return true: the process goes on at
 * once, unless a bit is pending, and then run() returns USER_INTERRUPTED
 * with the answer already given) or declines without having changed
 * anything (return false: run() returns USER_SYSCALL with the call in
 * *args, and the caller handles it there).
 */
typedef bool (*user_syscall_fn)(void *ctx, const struct syscall_args *a, struct syscall_result *r);

struct hil_user {
	void *hw;
	unsigned slots;
	/* Map slot's memory as `m` describes it (each page with its rights,
	 * nothing else), and start it at pc with stack sp and arguments a[]. */
	void (*load)(void *hw, unsigned slot, const struct process_memory *m, uint64_t pc,
		     uint64_t sp, const uint64_t a[4]);
	/* The break moved: map the slot's memory again. */
	void (*remap)(void *hw, unsigned slot, const struct process_memory *m);
	/* Run the slot until it stops. Must be called with `pending` empty in
	 * mind: it checks again with interrupts off and returns USER_NOT_RUN. */
	enum user_stop (*run)(void *hw, unsigned slot, struct syscall_args *args);
	/* After USER_FAULT: what the fault was. */
	void (*fault)(void *hw, unsigned slot, struct user_fault *fault);
	/* The values the last call returns (before the next run). */
	void (*set_return)(void *hw, unsigned slot, const struct syscall_result *r);
	/* Make the next run call u's function as if the process had called it
	 * where it is now (in yield): its return address pushed on the
	 * process's stack in m (process_memory_call_sp(), process_memory_word()), its three
	 * arguments and userdata in the argument registers. False, with
	 * nothing changed, if the stack has no room (the caller reports a
	 * fault). The function was checked at subscribe to be the process's
	 * code. */
	bool (*upcall)(void *hw, unsigned slot, const struct process_memory *m,
		       const struct upcall *u);
	uint64_t (*pc)(void *hw, unsigned slot);
	uint64_t (*sp)(void *hw, unsigned slot);
	/* The slot's registers as text (a fault report's middle part): writes
	 * at most cap bytes with a NUL, returns the length written. */
	size_t (*dump)(void *hw, unsigned slot, char *buf, size_t cap);
	/* Optional (NULL: every call goes through run()'s USER_SYSCALL): the
	 * fast path's handler, set once at boot, before the first run. */
	void (*set_syscall)(void *hw, user_syscall_fn fn, void *ctx);
};

#endif
