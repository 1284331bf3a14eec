/* The interrupt descriptor table: all 256 vectors. */
#ifndef KNOCK_CHIPS_IDT_H
#define KNOCK_CHIPS_IDT_H

#include <stdint.h>

/* Vector map (also in docs/architecture.md). */
#define VEC_EXCEPTIONS_END 32
#define VEC_PIC_BASE 0x20 /* legacy 8259s, remapped here and masked */
#define VEC_PIC_END 0x30

/* Fill every gate with its slow entry (isr_stubs.asm) and load the IDT. */
void idt_init(void);
/* Load the (already filled) IDT on this CPU. */
void idt_load(void);
/* Point `vector` at another entry, e.g. a generated top half. */
void idt_set_gate(unsigned vector, uintptr_t handler, unsigned ist);

#endif
