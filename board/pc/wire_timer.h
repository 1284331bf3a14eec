/* The pc board's timer: TSC + LAPIC timer as the hardware alarm, the alarm
 * mux capsule on top, owning the timer's pending bit. */
#ifndef KNOCK_BOARD_PC_WIRE_TIMER_H
#define KNOCK_BOARD_PC_WIRE_TIMER_H

#include "capsules/alarm_mux.h"
#include "chips/x86_64/lapic_alarm.h"

extern struct alarm_mux board_alarm_mux;
extern struct lapic_alarm board_lapic_alarm;

/* The calibration against the PIT runs while the boot does other work
 * (chips/x86_64/calibration.c): its PIT window starts as early as it can,
 * its LAPIC count once the LAPIC is set up (board_interrupts_init_cpu),
 * and board_wire_timer() finishes it. Nothing may use PIT channel 2 or
 * the LAPIC timer in between. */
void board_timer_calibration_start(void);
void board_timer_calibration_start_lapic(void);

/* Finish the calibration, create the mux, give it BIT_TIMER. Needs the
 * LAPIC enabled (board_interrupts_init_cpu). */
void board_wire_timer(void);

#endif
