/* The 8254 PIT: channel 2 is a known clock to calibrate the TSC against
 * (at boot); channel 0, on ISA IRQ 0, is the stall
 * watchdog's periodic tick (chips/x86_64/watchdog_tick.c). */
#ifndef KNOCK_CHIPS_PIT_H
#define KNOCK_CHIPS_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

/*
 * Run PIT channel 2 for `pit_ticks` (< 65536), bracketed by TSC reads.
 * The window lasts between pit_ticks - 1 and pit_ticks PIT periods (the
 * 8254 counts from the first clock edge after the gate rises), and its
 * length in TSC ticks is returned as bounds: the truth is in [*tsc_min,
 * *tsc_max]. Anything that stops the CPU near either end of the window
 * (an SMI, or under an emulator the host's scheduler) widens them, never
 * moves the truth out. Returns false if the PIT never finished (no PIT:
 * a bounded wait).
 */
bool pit_measure(uint16_t pit_ticks, uint64_t *tsc_min, uint64_t *tsc_max);

/* Channel 0 as a rate generator (mode 2): an IRQ 0 edge every `divisor`
 * PIT ticks, 0 meaning 65536 (54.9 ms, the slowest it goes). */
#define PIT_MAX_PERIOD_US 54925u
void pit_periodic(uint16_t divisor);

#endif
