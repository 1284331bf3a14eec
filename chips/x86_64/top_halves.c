/*
 * The device top halves' installation (top_halves.h).
 *
 * Spec: Intel SDM vol. 3A 6.12.1 (interrupt gates), 11.8.5 (EOI).
 */
#include <stdint.h>

#include "chips/x86_64/idt.h"
#include "chips/x86_64/top_halves.h"

/* From build/top_halves.asm (tools/gen_top_halves.py). */
extern const struct top_half_entry top_half_table[];
extern const uint64_t top_half_count;
extern char lapic_spurious_entry[];

void top_halves_install_table(const struct top_half_entry *table, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		idt_set_gate((unsigned)table[i].vector, table[i].entry, 0);
}

bool top_halves_alias(uint8_t vector, uint8_t also_at)
{
	for (uint64_t i = 0; i < top_half_count; i++) {
		if (top_half_table[i].vector == vector) {
			idt_set_gate(also_at, top_half_table[i].entry, 0);
			return true;
		}
	}
	return false;
}

void top_halves_install(uint8_t spurious_vector)
{
	top_halves_install_table(top_half_table, top_half_count);
	idt_set_gate(spurious_vector, (uintptr_t)lapic_spurious_entry, 0);
}
