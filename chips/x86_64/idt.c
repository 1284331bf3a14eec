/*
 * The IDT. The exceptions and the 8259 vectors start at their own slow
 * stubs, every other vector at the common entry that finds its number in
 * the LAPIC (isr_stubs.asm); the double fault gate switches to IST1 so it
 * never runs on a broken kernel stack.
 *
 * Spec: Intel SDM vol. 3A 6.10 (the IDT), 6.14.1 (64-bit IDT gate
 * descriptors), 6.14.5 (IST).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/gdt.h"
#include "chips/x86_64/idt.h"

extern const uint64_t isr_stub_table_low[VEC_PIC_END];
extern char isr_unknown_entry[];

static struct idt_gate idt[256] __attribute__((aligned(16)));

void idt_gate_fill(struct idt_gate *g, uintptr_t handler, unsigned ist, uint8_t type_attr)
{
	g->offset_lo = handler & 0xffff;
	g->selector = SEL_KCODE;
	g->ist = ist & 7;
	g->type_attr = type_attr;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = handler >> 32;
	g->zero = 0;
}

void idt_set_gate(unsigned vector, uintptr_t handler, unsigned ist)
{
	idt_gate_fill(&idt[vector & 0xff], handler, ist, GATE_INTERRUPT);
}

void idt_load(void)
{
	struct descriptor_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
	lidt(&p);
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v,
			     v < VEC_PIC_END ? isr_stub_table_low[v] : (uintptr_t)isr_unknown_entry,
			     v == EXC_DOUBLE_FAULT ? IST_DOUBLE_FAULT : 0);
	idt_load();
}
