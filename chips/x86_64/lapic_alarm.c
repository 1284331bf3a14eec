/*
 * hil_alarm on the TSC and the LAPIC timer.
 *
 * The TSC is the clock because it is 64 bits wide and never stops; the
 * LAPIC timer only has a 32-bit count. arm() turns the distance to the
 * deadline into LAPIC ticks; a distance the 32-bit count cannot hold fires
 * early, and the alarm mux, finding nothing due, simply arms again.
 *
 * Calibration: PIT channel 2 runs for 10 ms (11932 PIT ticks), up to
 * CALIBRATION_RUNS times, until the TSC count of those 10 ms is known to
 * within 0.1 %. Each run bounds it (pit_measure); the runs together bound
 * it by the largest lower bound and the smallest upper bound, and the
 * middle of that is the figure. The LAPIC timer's count comes from the
 * tightest run. Not a median: under TCG on a busy host most runs are
 * stretched by the host's scheduler (a median of three once made the
 * clock run at half speed).
 *
 * Spec: Intel SDM vol. 3A 11.5.4 (APIC timer: divide configuration, initial
 * and current count, one-shot mode) and 17.17 (time-stamp counter).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/lapic_alarm.h"
#include "chips/x86_64/pit.h"
#include "kernel/log.h"

#define CALIBRATION_PIT_TICKS 11932u /* 10 ms */
#define CALIBRATION_RUNS 10
#define NOMINAL_HZ 1000000000ull

int lapic_alarm_calibrate(struct lapic_alarm *a)
{
	uint64_t lo = 0, hi = UINT64_MAX, tightest = UINT64_MAX, tsc = 0, error = 0;
	uint32_t lapic = 0;
	int ok = 0, runs = 0;

	while (runs < CALIBRATION_RUNS && (hi - lo) / 2 > tsc / 1000) {
		uint64_t run_lo, run_hi;
		uint32_t run_lapic;
		runs++;
		if (!pit_measure(CALIBRATION_PIT_TICKS, &run_lo, &run_hi, &run_lapic)) {
			ok = -1;
			break;
		}
		lo = run_lo > lo ? run_lo : lo;
		hi = run_hi < hi ? run_hi : hi;
		if (run_hi - run_lo < tightest) {
			tightest = run_hi - run_lo;
			lapic = run_lapic;
		}
		if (lo > hi) { /* cannot be: the bounds are wrong; trust the last run */
			lo = run_lo;
			hi = run_hi;
		}
		tsc = lo + (hi - lo) / 2;
		error = (hi - lo) / 2;
	}
	if (ok == 0) {
		a->tsc_hz = tsc * PIT_HZ / CALIBRATION_PIT_TICKS;
		a->lapic_hz = (uint64_t)lapic * PIT_HZ / CALIBRATION_PIT_TICKS;
	}
	if (ok != 0 || a->tsc_hz == 0 || a->lapic_hz == 0) {
		log_warn("timer: PIT calibration failed; assuming TSC and LAPIC timer at 1 GHz");
		a->tsc_hz = a->lapic_hz = NOMINAL_HZ;
		ok = -1;
	}
	a->lapic_per_tsc_q32 = (a->lapic_hz << 32) / a->tsc_hz;
	log_info("timer: TSC %llu.%03llu MHz, LAPIC timer %llu.%03llu MHz (against the PIT, "
		 "best of %d x 10 ms, +-%llu ppm)",
		 (unsigned long long)(a->tsc_hz / 1000000),
		 (unsigned long long)(a->tsc_hz / 1000 % 1000),
		 (unsigned long long)(a->lapic_hz / 1000000),
		 (unsigned long long)(a->lapic_hz / 1000 % 1000), runs,
		 (unsigned long long)(tsc ? error * 1000000 / tsc : 0));
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
