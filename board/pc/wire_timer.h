/* The pc board's timer: TSC + LAPIC timer as the hardware alarm, the alarm
 * mux capsule on top, owning the timer's pending bit. */
#ifndef KNOCK_BOARD_PC_WIRE_TIMER_H
#define KNOCK_BOARD_PC_WIRE_TIMER_H

#include "capsules/alarm_mux.h"
#include "chips/x86_64/lapic_alarm.h"

extern struct alarm_mux board_alarm_mux;
extern struct lapic_alarm board_lapic_alarm;

/* Calibrate against the PIT, create the mux, give it BIT_TIMER. Needs the
 * LAPIC enabled (board_interrupts_init_cpu). */
void board_wire_timer(void);

#endif
