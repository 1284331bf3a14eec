/*
 * processes: the table of processes on one CPU and the part of the loop
 * that runs them (docs/processes.md).
 *
 * The board loads each app into a slot (processes_load) and makes
 * processes_run_one() the loop's idle work: when a round found no bit
 * pending, the loop calls it instead of sleeping. It picks the next
 * process that can run, round robin, and runs it through the chip
 * (kernel/hil/user.h) until it blocks in yield, exits, faults, or a
 * knock lands; system calls are answered on the way without leaving.
 * It returns false when no process can run, and the loop then sleeps as
 * it always did: an idle system takes no interrupt. A process that does
 * not yield is preempted by its timeslice's alarm (processes_set_timeslice),
 * or earlier by any other knock; the next run goes to the next process.
 *
 * A fault gets a report (the process's name, the fault, its registers,
 * its memory layout), then the policy: stop it, restart it up to N times,
 * or panic.
 */
#ifndef KNOCK_CAPSULES_PROCESSES_H
#define KNOCK_CAPSULES_PROCESSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/hil/user.h"
#include "kernel/process.h"

#define PROCESSES_MAX 4

enum fault_policy {
	FAULT_STOP,
	FAULT_RESTART,
	FAULT_PANIC,
};

struct processes {
	const struct hil_user *user;
	struct process proc[PROCESSES_MAX];
	unsigned count;
	unsigned next;            /* round robin: where the next search starts */
	struct process *running;  /* the one the chip runs (its fast path answers it) */
	unsigned slot;            /* its slot */
	struct syscall_args args; /* a call the fast path left to the loop */
	enum fault_policy policy;
	unsigned restart_max; /* FAULT_RESTART: at most this many per process */
	/* The timeslice: a one-shot alarm armed while a process runs. Its
	 * knock is what preempts a process that does not yield; the callback
	 * only counts. NULL mux: no timeslice. */
	struct alarm_mux *mux;
	struct alarm slice;
	uint64_t slice_ticks;
	bool slicing; /* a timeslice and more than one process: slices may be armed */
	unsigned slice_ms;
	uint64_t preemptions; /* timeslices that ran out */
};

void processes_init(struct processes *ps, const struct hil_user *user, enum fault_policy policy,
		    unsigned restart_max);

/* Preempt a process that runs `ms` without yielding (a knock from the
 * alarm mux); 0 turns the timeslice off. Boot time. */
void processes_set_timeslice(struct processes *ps, struct alarm_mux *mux, unsigned ms);

/* Load `file` as a new process in `region` (size bytes, page-aligned).
 * Logs and returns false on a bad file or a full table. */
bool processes_load(struct processes *ps, const char *name, const uint8_t *file, size_t len,
		    void *region, size_t size);

/* The loop's idle work: run one process (see above). `ctx` is the struct processes. */
bool processes_run_one(void *ctx);

/* `restart NAME`, `kill NAME`: false if there is no such process. */
struct process *processes_find(struct processes *ps, const char *name);
bool processes_restart(struct processes *ps, struct process *p);
void processes_kill(struct processes *ps, struct process *p);

/* Parse the fault policy option: "stop", "panic", "restart" or
 * "restart:N". False (policy unchanged) if it is none of them. */
bool processes_parse_policy(const char *s, enum fault_policy *policy, unsigned *restart_max);

#endif
