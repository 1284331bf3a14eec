#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/idt.h"
#include "chips/x86_64/top_halves.h"

struct top_half_entry {
	uint64_t vector;
	uint64_t entry;
};

/* Both tables list the same vectors in the same order (one generator
 * loop over the board's table writes each). */
extern const struct top_half_entry top_half_table[];
extern const struct top_half_entry top_half_stamped_table[];
extern const uint64_t top_half_count;
extern char lapic_spurious_entry[];

static bool stamped_installed;

void top_halves_install(uint8_t spurious_vector, bool stamped)
{
	const struct top_half_entry *table = stamped ? top_half_stamped_table : top_half_table;

	for (uint64_t i = 0; i < top_half_count; i++)
		idt_set_gate((unsigned)table[i].vector, table[i].entry, 0);
	idt_set_gate(spurious_vector, (uintptr_t)lapic_spurious_entry, 0);
	stamped_installed = stamped;
}

bool top_halves_alias(uint8_t vector, uint8_t also_at)
{
	const struct top_half_entry *table = stamped_installed ? top_half_stamped_table :
								 top_half_table;

	for (uint64_t i = 0; i < top_half_count; i++) {
		if (table[i].vector == vector) {
			idt_set_gate(also_at, table[i].entry, 0);
			return true;
		}
	}
	return false;
}

bool top_halves_stamped(void)
{
	return stamped_installed;
}
