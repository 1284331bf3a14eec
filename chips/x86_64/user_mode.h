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

/* What user_entry.asm saves and restores (offsets: user_context.inc). */
struct user_context {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, rsp;
	uint64_t cr3;
	uint64_t vector, error, cr2; /* why it last came back */
	/* 1: it came back with `syscall` and goes back to the instruction after
	 * it with `sysret`; 0: `iretq` (entry, upcall, after an interrupt). */
	uint64_t sysret;
};

/* Boot CPU, after idt_init(): the user IDT, EFER.SCE and the syscall
 * MSRs (STAR, LSTAR, FMASK). */
void user_mode_init(void);

/* The interface the processes capsule uses. */
const struct hil_user *user_mode_hil(void);

#endif
