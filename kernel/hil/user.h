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

enum user_stop {
	USER_SYSCALL,     /* it made a call: *args holds it */
	USER_INTERRUPTED, /* a knock landed while it ran: it is preempted, the loop answers */
	USER_FAULT,       /* it faulted: *fault says how */
	USER_NOT_RUN,     /* a bit was pending at entry: it did not run at all */
};

struct user_fault {
	const char *name; /* "page fault", "general protection", ... */
	uint64_t vector;  /* the CPU's number for it */
	uint64_t error;   /* the CPU's error code, 0 if none */
	uint64_t address; /* the address a page fault touched; 0 otherwise */
	uint64_t pc, sp;  /* where the process was */
};

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
	enum user_stop (*run)(void *hw, unsigned slot, struct syscall_args *args,
			      struct user_fault *fault);
	/* The values the last call returns (before the next run). */
	void (*set_return)(void *hw, unsigned slot, const struct syscall_result *r);
	/* Make the next run start at pc with stack sp and arguments a[] (an
	 * upcall: the caller has pushed the return address). */
	void (*call)(void *hw, unsigned slot, uint64_t pc, uint64_t sp, const uint64_t a[4]);
	uint64_t (*pc)(void *hw, unsigned slot);
	uint64_t (*sp)(void *hw, unsigned slot);
	/* The slot's registers as text (a fault report's middle part): writes
	 * at most cap bytes with a NUL, returns the length written. */
	size_t (*dump)(void *hw, unsigned slot, char *buf, size_t cap);
};

#endif
