/* Per-CPU blocks reached through GS, and early CPU set-up. */
#ifndef KNOCK_CHIPS_PERCPU_H
#define KNOCK_CHIPS_PERCPU_H

#include <stdint.h>

#include "kernel/cpu.h"

#define MAX_CPUS CPU_MAX

extern struct cpu cpu_blocks[MAX_CPUS];

/* Boot CPU: GS base, GDT with TSS and double-fault stack, IDT. The first
 * thing board_main() does, so every later fault has a working handler. */
void x86_boot_cpu_init(void);

/* On the boot CPU, before starting another CPU: give it the next id (its
 * block: hw_id, state CPU_STARTING; its double-fault stack registered for
 * backtraces). Returns MAX_CPUS when every id is taken. */
unsigned x86_cpu_assign(uint32_t hw_id);

/* On a newly started CPU, first thing in C: GS base, its own GDT and TSS
 * (double-fault stack), the shared IDT. */
void x86_ap_cpu_init(unsigned id);

/* This CPU's block, or NULL before x86_boot_cpu_init() installed it (an
 * exception that early must not read through a GS base of 0). */
struct cpu *x86_this_cpu_or_null(void);

/* Bounds of the boot CPU's kernel stack (boot/entry64.asm). */
extern char kernel_stack_guard[], kernel_stack_bottom[], kernel_stack_top[];

#endif
