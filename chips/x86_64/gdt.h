/* Per-CPU GDT and TSS (with the double-fault IST stack). */
#ifndef KNOCK_CHIPS_GDT_H
#define KNOCK_CHIPS_GDT_H

#include <stdint.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_STACK_SIZE 8192

/* Load this CPU's GDT and TSS; `ist_df_top` is the top of its
 * double-fault stack. */
void gdt_load_for_cpu(unsigned cpu, uintptr_t ist_df_top);

#endif
