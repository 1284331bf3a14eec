/*
 * hil_alarm on the TSC and the LAPIC timer.
 *
 * The TSC is the clock because it is 64 bits wide and never stops; the
 * LAPIC timer only has a 32-bit count. arm() turns the distance to the
 * deadline into LAPIC ticks; a distance the 32-bit count cannot hold fires
 * early, and the alarm mux, finding nothing due, simply arms again.
 *
 * The rates come from the boot's calibration against the PIT
 * (calibration.c), which also says what their bounds mean for alarms.
 *
 * Spec: Intel SDM vol. 3A 11.5.4 (APIC timer: divide configuration, initial
 * and current count, one-shot mode) and 17.17 (time-stamp counter).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/lapic_alarm.h"

/* The clock counts from knock's start (boot_tsc), not from whenever the
 * TSC started: time since boot is then right on every platform. */
static uint64_t alarm_now(void *hw)
{
	(void)hw;
	return rdtsc() - boot_tsc;
}

static void alarm_arm(void *hw, uint64_t deadline)
{
	struct lapic_alarm *a = hw;
	uint64_t now = rdtsc() - boot_tsc;
	uint64_t count = 1; /* a deadline already passed fires at once */
	if ((int64_t)(deadline - now) > 0) {
		unsigned __int128 t = (unsigned __int128)(deadline - now) * a->lapic_per_tsc_q32;
		count = (uint64_t)(t >> 32);
		if (count == 0)
			count = 1;
		if (count > 0xffffffffu)
			count = 0xffffffffu;
	}
	a->armed_deadline = deadline + boot_tsc;
	a->arms++;
	lapic_timer_oneshot((uint32_t)count);
}

static void alarm_disarm(void *hw)
{
	struct lapic_alarm *a = hw;
	a->disarms++;
	lapic_timer_oneshot(0);
}

void lapic_alarm_hil(struct lapic_alarm *a, struct hil_alarm *out)
{
	out->hw = a;
	out->ticks_per_second = a->tsc_hz;
	out->now = alarm_now;
	out->arm = alarm_arm;
	out->disarm = alarm_disarm;
}
