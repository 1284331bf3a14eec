/* Installs the generated device top halves (build/top_halves.asm) and the
 * LAPIC spurious-vector stub into the IDT. */
#ifndef KNOCK_CHIPS_TOP_HALVES_H
#define KNOCK_CHIPS_TOP_HALVES_H

#include <stdint.h>

void top_halves_install(uint8_t spurious_vector);

/* Spurious LAPIC interrupts seen (the stub counts them; no EOI owed). */
extern uint64_t lapic_spurious_count;

#endif
