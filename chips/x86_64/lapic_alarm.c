/*
 * hil_alarm on the TSC and the LAPIC timer.
 *
 * The TSC is the clock because it is 64 bits wide and never stops; the
 * LAPIC timer only has a 32-bit count. arm() turns the distance to the
 * deadline into LAPIC ticks; a distance the 32-bit count cannot hold fires
 * early, and the alarm mux, finding nothing due, simply arms again.
 *
 * Calibration: PIT channel 2 runs for 10 ms (11932 PIT ticks) three times;
 * the median of each clock's count gives its frequency.
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/lapic_alarm.h"
#include "chips/x86_64/pit.h"
#include "kernel/log.h"

#define CALIBRATION_PIT_TICKS 11932u /* 10 ms */
#define CALIBRATION_RUNS 3
#define NOMINAL_HZ 1000000000ull

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

int lapic_alarm_calibrate(struct lapic_alarm *a)
{
	uint64_t tsc[CALIBRATION_RUNS];
	uint64_t lapic[CALIBRATION_RUNS];
	int ok = 0;
	for (int i = 0; i < CALIBRATION_RUNS; i++) {
		uint32_t l;
		if (!pit_measure(CALIBRATION_PIT_TICKS, &tsc[i], &l))
			ok = -1;
		lapic[i] = l;
	}
	if (ok == 0) {
		a->tsc_hz = median3(tsc[0], tsc[1], tsc[2]) * PIT_HZ / CALIBRATION_PIT_TICKS;
		a->lapic_hz =
			median3(lapic[0], lapic[1], lapic[2]) * PIT_HZ / CALIBRATION_PIT_TICKS;
	}
	if (ok != 0 || a->tsc_hz == 0 || a->lapic_hz == 0) {
		log_warn("timer: PIT calibration failed; assuming TSC and LAPIC timer at 1 GHz");
		a->tsc_hz = a->lapic_hz = NOMINAL_HZ;
		ok = -1;
	}
	a->lapic_per_tsc_q32 = (a->lapic_hz << 32) / a->tsc_hz;
	log_info("timer: TSC %llu.%03llu MHz, LAPIC timer %llu.%03llu MHz (against the PIT, "
		 "median of %d x 10 ms)",
		 (unsigned long long)(a->tsc_hz / 1000000),
		 (unsigned long long)(a->tsc_hz / 1000 % 1000),
		 (unsigned long long)(a->lapic_hz / 1000000),
		 (unsigned long long)(a->lapic_hz / 1000 % 1000), CALIBRATION_RUNS);
	return ok;
}

static uint64_t alarm_now(void *hw)
{
	(void)hw;
	return rdtsc();
}

static void alarm_arm(void *hw, uint64_t deadline)
{
	struct lapic_alarm *a = hw;
	uint64_t now = rdtsc();
	uint64_t count = 1; /* a deadline already passed fires at once */
	if ((int64_t)(deadline - now) > 0) {
		unsigned __int128 t = (unsigned __int128)(deadline - now) * a->lapic_per_tsc_q32;
		count = (uint64_t)(t >> 32);
		if (count == 0)
			count = 1;
		if (count > 0xffffffffu)
			count = 0xffffffffu;
	}
	a->armed_deadline = deadline;
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
