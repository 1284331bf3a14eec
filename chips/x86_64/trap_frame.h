/*
 * What chips/x86_64/isr_stubs.asm leaves on the stack before it calls
 * trap_dispatch(): the general registers it pushed (last pushed first),
 * the vector and error code the stub pushed, then the frame the CPU pushed.
 */
#ifndef KNOCK_CHIPS_TRAP_FRAME_H
#define KNOCK_CHIPS_TRAP_FRAME_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector; /* TRAP_VECTOR_FIND_IN_SERVICE from the common entry */
	uint64_t error;  /* 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The common entry (isr_stubs.asm) of the vectors without a stub of their
 * own pushes this instead of a number; trap_dispatch finds the vector in
 * the LAPIC's in-service registers and leaves it here, or leaves this
 * when none is in service (a software `int`, or an NMI-like delivery). */
#define TRAP_VECTOR_FIND_IN_SERVICE 0x100

void trap_dispatch(struct trap_frame *f);

/* The highest vector in service at this CPU's LAPIC, or
 * TRAP_VECTOR_FIND_IN_SERVICE if none is: how a common entry's vector is
 * found (trap_dispatch, and user_mode.c for an interrupt taken in ring 3). */
unsigned trap_in_service_vector(void);

/* A C handler for a vector past the exceptions that needs the interrupted
 * state (the watchdog's tick): it runs on the slow stub with interrupts
 * off and must EOI its own interrupt. NULL removes it. */
typedef void (*trap_handler_fn)(struct trap_frame *f);
void trap_set_handler(unsigned vector, trap_handler_fn fn);
void exception_report(struct trap_frame *f);
/* "page fault", "general protection fault", ...; "interrupt" past 31. */
const char *exception_name(unsigned vector);
/* int3: report where and how we got there, then resume after it. */
void exception_breakpoint(struct trap_frame *f);

#endif
