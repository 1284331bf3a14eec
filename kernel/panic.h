/*
 * panic(): print a report on every log sink, then halt with interrupts off
 * (or reboot, after `panic=reboot` on the command line).
 *
 * The exception report in chips/x86_64 builds on the same pieces:
 * panic_enter() once, its register dump, panic_backtrace(), panic_finish().
 * A fault inside a panic is caught by panic_enter() and halts at once, so a
 * broken report can never loop.
 */
#ifndef KNOCK_KERNEL_PANIC_H
#define KNOCK_KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void panic_enter(void);
void panic_backtrace(uintptr_t rip, uintptr_t frame_pointer);
/* The same for code stopped where its own frame is not set up (at a
 * function's first instruction, say, which is where an emulator delivers
 * interrupts most): `caller` is the return address the frame chain would
 * skip, shown as frame #1 before the walk from `frame_pointer`; 0 for
 * none, which is panic_backtrace(). */
void panic_backtrace_from(uintptr_t rip, uintptr_t caller, uintptr_t frame_pointer);
_Noreturn void panic_finish(void);

/* The same backtrace in two steps: walked into a struct where the code
 * stopped (another CPU's stall: its stack moves on afterwards), printed
 * later by whoever may print. */
#define PANIC_BACKTRACE_HEAD 8
#define PANIC_BACKTRACE_TAIL 8
struct panic_frame {
	unsigned n; /* its number in the walk */
	uintptr_t addr;
};
struct panic_trace {
	unsigned count;   /* entries of frame[] */
	unsigned skipped; /* frames left out between the head and the tail */
	unsigned skip_at; /* the entry the "... skipped" line comes before */
	struct panic_frame frame[PANIC_BACKTRACE_HEAD + PANIC_BACKTRACE_TAIL];
};
void panic_backtrace_collect(uintptr_t rip, uintptr_t caller, uintptr_t frame_pointer,
			     struct panic_trace *out);
void panic_backtrace_print(const struct panic_trace *t);
/* When the faulting rip is in no known function (a call through a bad
 * pointer), the word at rsp is the return address of that call: print it
 * with its name, if rsp is on a registered stack. */
void panic_print_stack_top(uintptr_t sp);

/* After panic_finish: reboot instead of halting. */
void panic_set_reboot(bool reboot);
bool panic_in_progress(void);

/* Forget a panic (and the registered stacks): host tests catch panics and
 * carry on, and loop_reset_for_test() calls this. The kernel never does. */
void panic_reset_for_test(void);

/* Memory the backtrace may read: frame pointers outside every registered
 * stack end the walk instead of faulting inside the panic path. */
#define PANIC_MAX_STACKS (2 * CPU_MAX + 8) /* two per CPU (kernel, double fault) and room */
void panic_add_stack(uintptr_t lo, uintptr_t hi);

#define KASSERT(cond)                                                                      \
	do {                                                                               \
		if (!(cond))                                                               \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
