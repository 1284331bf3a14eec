/* Per-CPU GDT and TSS (with the double-fault IST stack). */
#ifndef KNOCK_CHIPS_GDT_H
#define KNOCK_CHIPS_GDT_H

#include <stdint.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
/* 0x18 is the 32-bit user code slot `sysret` would use: left null. */
#define SEL_USER32 0x18
#define SEL_UDATA 0x20 /* used with RPL 3: 0x23 */
#define SEL_UCODE 0x28 /* used with RPL 3: 0x2b */
#define SEL_TSS 0x30
/* The stack an interrupt from ring 3 lands on (TSS.RSP0), per CPU. */
#define TRAP_STACK_SIZE 4096

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_USER_NMI 2 /* the user IDT's NMI gate (chips/x86_64/user_mode.c) */
#define IST_STACK_SIZE 8192

/* Load this CPU's GDT and TSS; `ist_df_top` is the top of its
 * double-fault stack. */
void gdt_load_for_cpu(unsigned cpu, uintptr_t ist_df_top);

/* The address of CPU `cpu`'s TSS.RSP0 (the stack a trap from ring 3 lands on): the
 * user-mode entry points it into the running process's saved context
 * (chips/x86_64/user_entry.asm). */
uintptr_t gdt_tss_rsp0(unsigned cpu);

/* Point IST slot `ist` of CPU `cpu`'s TSS at `top` (after its load: the
 * CPU reads the slot at each interrupt through a gate that names it). */
void gdt_set_ist(unsigned cpu, unsigned ist, uintptr_t top);

#endif
