/* The interrupt descriptor table: all 256 vectors. */
#ifndef KNOCK_CHIPS_IDT_H
#define KNOCK_CHIPS_IDT_H

#include <stdint.h>

/* Vector map (also in docs/architecture.md). */
#define VEC_EXCEPTIONS_END 32
/* The exceptions knock treats apart (SDM vol. 3A 6.15). */
#define EXC_NMI 2
#define EXC_BREAKPOINT 3
#define EXC_DOUBLE_FAULT 8
#define EXC_PAGE_FAULT 14
#define VEC_PIC_BASE 0x20 /* legacy 8259s, remapped here and masked */
#define VEC_PIC_END 0x30

/* A gate's type and attributes: present, 64-bit interrupt gate (IF
 * cleared on entry), callable by `int` from ring 0 only or from ring 3
 * too (the user IDT's breakpoint). */
#define GATE_INTERRUPT 0x8e
#define GATE_INTERRUPT_DPL3 0xee

/* A 64-bit IDT gate (SDM vol. 3A 6.14.1): the kernel's IDT and the one
 * processes run under (user_mode.c) are both tables of these. */
struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t zero;
};

/* A gate to `handler` in the kernel's code segment, on IST stack `ist`
 * (0: none). */
void idt_gate_fill(struct idt_gate *g, uintptr_t handler, unsigned ist, uint8_t type_attr);

/* Fill every gate with its slow entry (isr_stubs.asm) and load the IDT. */
void idt_init(void);
/* Load the (already filled) IDT on this CPU. */
void idt_load(void);
/* Point `vector` at another entry, e.g. a generated top half. */
void idt_set_gate(unsigned vector, uintptr_t handler, unsigned ist);

#endif
