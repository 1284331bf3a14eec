/*
 * HIL: one hardware alarm per CPU, on a free-running 64-bit tick counter.
 *
 * The chip provides it (chips/x86_64: the TSC as the clock, the LAPIC timer
 * in one-shot mode as the alarm); the alarm mux capsule multiplexes it into
 * any number of virtual alarms. The alarm's interrupt is a pending bit; the
 * board gives that bit to the alarm mux, which then asks now() what is due.
 */
#ifndef KNOCK_KERNEL_HIL_ALARM_H
#define KNOCK_KERNEL_HIL_ALARM_H

#include <stdint.h>

struct hil_alarm {
	void *hw;
	uint64_t ticks_per_second;
	/* The counter; never goes backwards, wraps only after 2^64 ticks. */
	uint64_t (*now)(void *hw);
	/* Raise the alarm bit at or after `deadline` (a now() value); replaces
	 * any earlier setting. A deadline in the past fires at once. */
	void (*arm)(void *hw, uint64_t deadline);
	/* No alarm: the CPU then takes no timer interrupt at all (tickless). */
	void (*disarm)(void *hw);
};

#endif
