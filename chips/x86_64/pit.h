/* The 8254 PIT, used only as a known clock to calibrate the TSC and the
 * LAPIC timer against. */
#ifndef KNOCK_CHIPS_PIT_H
#define KNOCK_CHIPS_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

/* Run PIT channel 2 for `pit_ticks` (< 65536) and return, through the
 * pointers, the TSC and LAPIC-timer counts that passed meanwhile. Returns
 * false if the PIT never finished (no PIT: a bounded wait). */
bool pit_measure(uint16_t pit_ticks, uint64_t *tsc_elapsed, uint32_t *lapic_elapsed);

#endif
