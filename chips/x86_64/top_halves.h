/* Installs the generated device top halves (build/top_halves.asm) and the
 * LAPIC spurious-vector stub into the IDT. */
#ifndef KNOCK_CHIPS_TOP_HALVES_H
#define KNOCK_CHIPS_TOP_HALVES_H

#include <stdbool.h>
#include <stdint.h>

/* `stamped`: install the timestamped variants (top_half_stamped_<name>),
 * which also store the TSC at entry in this CPU's irq_stamp[bit] for
 * kernel/probe.h; otherwise the three-instruction ones. */
void top_halves_install(uint8_t spurious_vector, bool stamped);

/* Point IDT vector `also_at` at the top half installed for `vector` (the
 * 8259s deliver ISA IRQ n at their own base + n, not at the board's
 * vector: pic8259.h). Returns false if no top half has that vector. */
bool top_halves_alias(uint8_t vector, uint8_t also_at);

/* Whether the stamped variants are the ones installed. */
bool top_halves_stamped(void);

/* Spurious LAPIC interrupts seen (the stub counts them; no EOI owed). */
extern uint64_t lapic_spurious_count;

#endif
