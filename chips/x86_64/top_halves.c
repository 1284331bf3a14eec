#include <stdint.h>

#include "chips/x86_64/idt.h"
#include "chips/x86_64/top_halves.h"

struct top_half_entry {
	uint64_t vector;
	uint64_t entry;
};

extern const struct top_half_entry top_half_table[];
extern const uint64_t top_half_count;
extern char lapic_spurious_entry[];

void top_halves_install(uint8_t spurious_vector)
{
	for (uint64_t i = 0; i < top_half_count; i++)
		idt_set_gate((unsigned)top_half_table[i].vector, top_half_table[i].entry, 0);
	idt_set_gate(spurious_vector, (uintptr_t)lapic_spurious_entry, 0);
}
