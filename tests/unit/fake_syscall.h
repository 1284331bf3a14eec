/*
 * One system call from a test, as the process would make it: the class
 * and four arguments in, the result the kernel returns out. For calls
 * that return to the process at once (not a yield that waits).
 */
#ifndef KNOCK_TEST_FAKE_SYSCALL_H
#define KNOCK_TEST_FAKE_SYSCALL_H

#include <stdint.h>

#include "kernel/syscall.h"

struct syscall_result fake_syscall(struct process *p, uint64_t cls, uint64_t a0, uint64_t a1,
				   uint64_t a2, uint64_t a3);

#endif
