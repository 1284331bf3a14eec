/*
 * hil_alarm on the TSC and the LAPIC timer.
 *
 * The TSC is the clock because it is 64 bits wide and never stops; the
 * LAPIC timer only has a 32-bit count. arm() turns the distance to the
 * deadline into LAPIC ticks; a distance the 32-bit count cannot hold fires
 * early, and the alarm mux, finding nothing due, simply arms again.
 *
 * Calibration: PIT channel 2 runs for 2 ms, up to CALIBRATION_RUNS times,
 * until both rates are known to within CALIBRATION_GOAL_PPM. Short windows
 * rather than long ones: what widens a run's bounds is the CPU stopping
 * at an end of its window, and under an emulator on a busy host a stop
 * that spans the window's end is likely in any window that contains one;
 * a 2 ms window's own uncertainty (one PIT period in 2386) is 210 ppm. Each run
 * bounds the TSC rate (pit_measure: TSC reads around both ends of the
 * window, and the window itself between N-1 and N PIT periods); the runs
 * together bound it by the largest lower bound and the smallest upper
 * bound, and the middle of that is the figure. The LAPIC timer counts down
 * through all the runs and is measured against the TSC the same way: its
 * count between a read before the first run and one after the last, each
 * bracketed by TSC reads, through the TSC's bounds. Its printed bound is
 * then as true as the TSC's, and a little wider. Not a median: under TCG on a busy host most runs
 * are stretched by the host's scheduler (a median of three once made the
 * clock run at half speed).
 *
 * What the bounds mean for alarms: a wait is measured on the TSC, so its
 * length is off by at most the TSC's error; the LAPIC timer that ends it
 * is set from the LAPIC rate, so it may fire late by at most the LAPIC's
 * error (an early firing finds nothing due, and the mux arms again).
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

#define CALIBRATION_PIT_TICKS 2386u       /* 2 ms */
#define CALIBRATION_WARM_UP_PIT_TICKS 12u /* 10 us */
#define CALIBRATION_RUNS 10
#define CALIBRATION_GOAL_PPM 1000u /* 0.1 % */
#define LAPIC_READ_TRIES 4
#define NOMINAL_HZ 1000000000ull

/* A rate and what is known of it: the truth is in [lo, hi]. */
struct rate_bound {
	uint64_t lo, hi;
};

static uint64_t bound_mid(struct rate_bound b)
{
	return b.lo + (b.hi - b.lo) / 2;
}

/* The half-width of `b` in parts per million of its middle, rounded up. */
static uint64_t bound_ppm(struct rate_bound b)
{
	uint64_t mid = bound_mid(b);
	uint64_t half = (b.hi - b.lo) / 2 + ((b.hi - b.lo) & 1);
	if (mid == 0 || half > UINT64_MAX / 1000000)
		return UINT64_MAX;
	return (half * 1000000 + mid - 1) / mid;
}

static void bound_intersect(struct rate_bound *acc, struct rate_bound run)
{
	acc->lo = run.lo > acc->lo ? run.lo : acc->lo;
	acc->hi = run.hi < acc->hi ? run.hi : acc->hi;
	if (acc->lo > acc->hi) /* cannot be: some bound is wrong; trust this run */
		*acc = run;
}

/* The TSC rate one run shows: [tsc_min, tsc_max] ticks over between N-1
 * and N PIT periods. */
static struct rate_bound tsc_run_rate(uint64_t tsc_min, uint64_t tsc_max, uint32_t pit_ticks)
{
	return (struct rate_bound){
		.lo = tsc_min * PIT_HZ / pit_ticks,
		.hi = (tsc_max * PIT_HZ + pit_ticks - 2) / (pit_ticks - 1),
	};
}

/* A LAPIC timer count read between two TSC reads. */
struct lapic_reading {
	uint32_t count;
	uint64_t tsc_before, tsc_after;
};

/* The tightest of a few reads: a read that waited (under an emulator the
 * LAPIC is emulated behind a lock) only widens the bracket. */
static struct lapic_reading lapic_read_timed(void)
{
	struct lapic_reading best = { 0, 0, UINT64_MAX };
	for (int i = 0; i < LAPIC_READ_TRIES; i++) {
		struct lapic_reading r;
		r.tsc_before = rdtsc();
		r.count = lapic_read(LAPIC_REG_TIMER_CURRENT);
		r.tsc_after = rdtsc();
		if (r.tsc_after - r.tsc_before < best.tsc_after - best.tsc_before)
			best = r;
	}
	return best;
}

/* The LAPIC timer's rate between two readings (it counts down), given the
 * TSC's: the count +-1 over the TSC time between the reads, which is
 * bracketed. The products stay far below 2^64: the calibration takes
 * under 25 ms, so under 2^25 LAPIC ticks at 1 GHz, and a TSC rate is
 * under 2^35 Hz. */
static struct rate_bound lapic_rate(struct lapic_reading a, struct lapic_reading b,
				    struct rate_bound tsc)
{
	uint64_t ticks = (uint32_t)(a.count - b.count);
	uint64_t tsc_min = b.tsc_before - a.tsc_after;
	uint64_t tsc_max = b.tsc_after - a.tsc_before;
	if (tsc_min == 0 || ticks < 2)
		return (struct rate_bound){ 0, UINT64_MAX };
	return (struct rate_bound){
		.lo = (ticks - 1) * tsc.lo / tsc_max,
		.hi = ((ticks + 1) * tsc.hi + tsc_min - 1) / tsc_min,
	};
}

/* Once, at boot: built for size (cold) although this file is -O2 for
 * the alarm's own paths (Makefile, HOT_C). */
__attribute__((cold)) int lapic_alarm_calibrate(struct lapic_alarm *a)
{
	struct rate_bound tsc = { 0, UINT64_MAX }, lapic = { 0, UINT64_MAX };
	uint32_t total_ticks = 0;
	int n = 0;

	/* A first, tiny run warms the path up: its first run is slow (caches;
	 * under QEMU's TCG the code is translated then), which would widen
	 * the first real window's bounds. */
	uint64_t warm_min, warm_max;
	(void)pit_measure(CALIBRATION_WARM_UP_PIT_TICKS, &warm_min, &warm_max);
	(void)lapic_read_timed();

	lapic_timer_oneshot(0xffffffffu); /* counts down through every run */
	struct lapic_reading lapic_start = lapic_read_timed();
	while (n < CALIBRATION_RUNS &&
	       (bound_ppm(tsc) > CALIBRATION_GOAL_PPM || bound_ppm(lapic) > CALIBRATION_GOAL_PPM)) {
		uint64_t tsc_min, tsc_max;
		if (!pit_measure(CALIBRATION_PIT_TICKS, &tsc_min, &tsc_max))
			break;
		total_ticks += CALIBRATION_PIT_TICKS;
		bound_intersect(&tsc, tsc_run_rate(tsc_min, tsc_max, CALIBRATION_PIT_TICKS));
		n++;
		lapic = lapic_rate(lapic_start, lapic_read_timed(), tsc);
	}
	lapic_timer_oneshot(0);
	if (n == 0 || bound_mid(tsc) == 0 || bound_mid(lapic) == 0 || tsc.hi == UINT64_MAX ||
	    lapic.hi == UINT64_MAX) {
		log_warn("timer: PIT calibration failed; assuming TSC and LAPIC timer at 1 GHz");
		a->tsc_hz = a->lapic_hz = NOMINAL_HZ;
		a->lapic_per_tsc_q32 = 1ull << 32;
		log_info("timer: TSC 1000.000000 MHz, LAPIC timer 1000.000000 MHz (assumed)");
		return -1;
	}
	a->tsc_hz = bound_mid(tsc);
	a->lapic_hz = bound_mid(lapic);
	a->lapic_per_tsc_q32 = (a->lapic_hz << 32) / a->tsc_hz;
	uint64_t tsc_ppm = bound_ppm(tsc), lapic_ppm = bound_ppm(lapic);
	log_info("timer: TSC %llu.%06llu MHz +-%llu ppm, LAPIC timer %llu.%06llu MHz +-%llu ppm "
		 "(against the PIT: %d run%s, %llu us)",
		 (unsigned long long)(a->tsc_hz / 1000000),
		 (unsigned long long)(a->tsc_hz % 1000000), (unsigned long long)tsc_ppm,
		 (unsigned long long)(a->lapic_hz / 1000000),
		 (unsigned long long)(a->lapic_hz % 1000000), (unsigned long long)lapic_ppm, n,
		 n == 1 ? "" : "s", (unsigned long long)total_ticks * 1000000 / PIT_HZ);
	if (tsc_ppm > CALIBRATION_GOAL_PPM || lapic_ppm > CALIBRATION_GOAL_PPM)
		log_warn(
			"timer: calibration missed its 0.1%% goal after %d runs: alarms may be off "
			"by up to %llu ppm",
			n, (unsigned long long)(tsc_ppm + lapic_ppm));
	return 0;
}

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
