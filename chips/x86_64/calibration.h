/*
 * The TSC's and the LAPIC timer's rates, measured against the PIT at boot
 * while the boot does other work: started early, finished where the rates
 * are first needed (board_wire_timer).
 */
#ifndef KNOCK_CHIPS_CALIBRATION_H
#define KNOCK_CHIPS_CALIBRATION_H

#include "chips/x86_64/lapic_alarm.h"

/* Start PIT channel 2 counting and take the first reading. As early in
 * the boot as can be: the time to the finish is the window. */
void calibration_start(void);

/* Start the LAPIC timer counting down and take its first reading. Once
 * the LAPIC is set up (lapic_init(), which stops the timer) and before
 * anything else uses the timer. If the PIT window is more than half gone
 * by then (a slow serial line), it starts again too. */
void calibration_start_lapic(void);

/* Finish: read both counters again, waiting only if the window so far
 * does not bound both rates to 0.1 %; set the rates in `a` and print them
 * with their bounds (and a warning if they miss the 0.1 % goal). Returns
 * 0, or -1 when the PIT did not answer (then nominal values are used,
 * with a warning). Starts whatever was not started. */
int lapic_alarm_calibrate(struct lapic_alarm *a);

#endif
