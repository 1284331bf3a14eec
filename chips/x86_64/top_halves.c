/*
 * The device top halves' installation (top_halves.h).
 *
 * Spec: Intel SDM vol. 3A 6.12.1 (interrupt gates), 11.8.5 (EOI), 11.12.1.2
 * (the x2APIC EOI MSR).
 */
#include <stdint.h>

#include "chips/x86_64/idt.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/top_halves.h"

/* From build/top_halves.asm (tools/gen_top_halves.py): the xAPIC stubs
 * (EOI by MMIO) and the x2APIC ones (EOI by WRMSR), row for row. */
extern const struct top_half_entry top_half_table[];
extern const uint64_t top_half_count;
extern const struct top_half_entry x2apic_top_half_table[];
extern const uint64_t x2apic_top_half_count;
extern char lapic_spurious_entry[];

void top_halves_install_table(const struct top_half_entry *table, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		idt_set_gate((unsigned)table[i].vector, table[i].entry, 0);
}

/* The table for the LAPIC's mode (lapic_use_x2apic() comes first). */
static const struct top_half_entry *product_table(uint64_t *count)
{
	if (lapic_x2apic()) {
		*count = x2apic_top_half_count;
		return x2apic_top_half_table;
	}
	*count = top_half_count;
	return top_half_table;
}

bool top_halves_alias(uint8_t vector, uint8_t also_at)
{
	uint64_t count;
	const struct top_half_entry *table = product_table(&count);

	for (uint64_t i = 0; i < count; i++) {
		if (table[i].vector == vector) {
			idt_set_gate(also_at, table[i].entry, 0);
			return true;
		}
	}
	return false;
}

void top_halves_install(uint8_t spurious_vector)
{
	uint64_t count;
	const struct top_half_entry *table = product_table(&count);

	top_halves_install_table(table, count);
	idt_set_gate(spurious_vector, (uintptr_t)lapic_spurious_entry, 0);
}
