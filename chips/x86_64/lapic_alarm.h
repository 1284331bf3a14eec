/*
 * The per-CPU hardware alarm (struct hil_alarm): the TSC is the clock, the
 * LAPIC timer in one-shot mode raises the timer's pending bit at the
 * deadline. Calibrated against the PIT at boot (calibration.c). Its clock
 * is the TSC counted from knock's start.
 */
#ifndef KNOCK_CHIPS_LAPIC_ALARM_H
#define KNOCK_CHIPS_LAPIC_ALARM_H

#include <stdint.h>

#include "kernel/hil/alarm.h"

/* The TSC at knock's first instruction (boot/entry32.asm): the zero of the
 * alarm's clock, so time since boot counts from knock's start even where
 * the TSC did not start with knock (firmware, GRUB, KVM). */
extern uint64_t boot_tsc;

struct lapic_alarm {
	uint64_t tsc_hz;
	uint64_t lapic_hz;
	uint64_t lapic_per_tsc_q32; /* LAPIC ticks per TSC tick, 32.32 fixed point */
	uint64_t armed_deadline;    /* the TSC value (not the alarm's clock) it is due at */
	uint64_t arms, disarms;
};

/* The rates come from the boot's calibration (chips/x86_64/calibration.h). */

/* A hil_alarm over `a`, to hand to the alarm mux. */
void lapic_alarm_hil(struct lapic_alarm *a, struct hil_alarm *out);

#endif
