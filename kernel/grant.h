/*
 * Grants: the state a capsule keeps about one process (its subscriptions'
 * counters, a virtual alarm, a half-read line), allocated from that
 * process's own region the first time the capsule enters it, and freed
 * with the process. So a process that subscribes to everything costs the
 * kernel nothing it did not bring, and a restart starts every capsule's
 * view of it from zero.
 *
 * Each syscall driver that keeps per-process state has a grant number,
 * given by the board (0 .. GRANT_MAX - 1). Portable, host-tested
 * (tests/unit/test_grant.c).
 */
#ifndef KNOCK_KERNEL_GRANT_H
#define KNOCK_KERNEL_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "process_memory.h"

#define GRANT_MAX 8

struct grant_table {
	void *slot[GRANT_MAX];
	size_t size[GRANT_MAX];
	uint64_t refused; /* entries refused because the region was full */
};

void grant_table_init(struct grant_table *t);

/*
 * The process's grant `id` of `size` bytes: allocated zeroed on the first
 * call, the same memory on every later one. NULL if the process's region
 * has no room left (the capsule then answers the process with an error,
 * ENOMEM). A wrong id, or another size for the same id, is a kernel bug:
 * panic.
 */
void *grant_enter(struct grant_table *t, struct process_memory *m, unsigned id, size_t size);

/* Free every grant of the process (it exits, faults or restarts). */
void grant_table_release(struct grant_table *t, struct process_memory *m);

#endif
