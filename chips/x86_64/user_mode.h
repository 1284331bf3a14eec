/*
 * Ring 3 on x86_64: the processes' page tables, the user IDT, the
 * syscall MSRs, and the kernel/hil/user.h interface over them
 * (docs/processes.md). The entry and exit paths are user_entry.asm.
 */
#ifndef KNOCK_CHIPS_USER_MODE_H
#define KNOCK_CHIPS_USER_MODE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/user.h"

/* Processes this chip can hold at once (page tables are per slot). */
#define USER_SLOTS 4
/* A region's largest size: one page table maps it. */
#define USER_REGION_MAX ((size_t)512 * 4096)

/* What user_entry.asm saves and restores (offsets: user_context.inc), in
 * the order its entry paths push it: the registers, then the CPU's
 * interrupt frame (TSS.RSP0 points just past it while the process runs,
 * so a trap from ring 3 pushes its frame here). */
struct user_context {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rip, cs, rflags, rsp, ss; /* the interrupt frame */
	uint64_t cr3;
	uint64_t cr2, vector, error; /* at its last exception */
} __attribute__((aligned(16)));

/* Boot CPU, after idt_init(): the user IDT, EFER.SCE and the syscall
 * MSRs (STAR, LSTAR, FMASK). */
void user_mode_init(void);

/* The interface the processes capsule uses. */
const struct hil_user *user_mode_hil(void);

#endif
