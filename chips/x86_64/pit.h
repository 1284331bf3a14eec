/* The 8254 PIT: channel 2 is a known clock to calibrate the TSC against
 * (at boot); channel 0, on ISA IRQ 0, is the stall
 * watchdog's periodic tick (chips/x86_64/watchdog_tick.c). */
#ifndef KNOCK_CHIPS_PIT_H
#define KNOCK_CHIPS_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

struct counter_reading;

/* Channel 2 counts down from PIT_COUNT_FROM, one step per PIT period
 * (mode 0, gate on), from now on: 54.9 ms before it reaches zero. */
#define PIT_COUNT_FROM 0xffffu
void pit_count_start(void);

/*
 * Latch channel 2's count and read it into `r`, with the TSC read just
 * before and just after the latch command (r->before, r->after). Returns
 * false when the count had reached zero (OUT2 high): it may have wrapped,
 * and the reading says nothing. Without a PIT the count never moves
 * (reads give 0xffff); the caller bounds its waits.
 */
bool pit_count_read(struct counter_reading *r);

/* Channel 0 as a rate generator (mode 2): an IRQ 0 edge every `divisor`
 * PIT ticks, 0 meaning 65536 (54.9 ms, the slowest it goes). */
#define PIT_MAX_PERIOD_US 54925u
void pit_periodic(uint16_t divisor);

#endif
