/* Installs the generated device top halves (build/top_halves.asm) and the
 * LAPIC spurious-vector stub into the IDT. */
#ifndef KNOCK_CHIPS_TOP_HALVES_H
#define KNOCK_CHIPS_TOP_HALVES_H

#include <stdbool.h>
#include <stdint.h>

/* One generated table: (vector, entry) pairs. */
struct top_half_entry {
	uint64_t vector;
	uint64_t entry;
};

void top_halves_install(uint8_t spurious_vector);

/* Point the IDT gate of each entry's vector at its stub (the lab installs
 * its own tables with this: chips/x86_64/lab/top_halves_lab.c). */
void top_halves_install_table(const struct top_half_entry *table, uint64_t count);

/* Point IDT vector `also_at` at the product's top half for `vector` (the
 * 8259s deliver ISA IRQ n at their own base + n, not at the board's
 * vector: pic8259.h). Returns false if no top half has that vector. */
bool top_halves_alias(uint8_t vector, uint8_t also_at);

/* Spurious LAPIC interrupts seen (the stub counts them; no EOI owed). */
extern uint64_t lapic_spurious_count;

#endif
