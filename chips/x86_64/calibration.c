/*
 * The TSC's and the LAPIC timer's rates, measured against the PIT while
 * the boot does other work (calibration.h).
 *
 * PIT channel 2 counts down from 0xffff (54.9 ms) from early in
 * board_main() (calibration_start()); the LAPIC timer counts down from
 * 0xffffffff from just after the LAPIC is set up
 * (calibration_start_lapic()). Where the rates are first needed,
 * lapic_alarm_calibrate() reads both again. A reading is the PIT's
 * latched count, or the LAPIC's current count, between two TSC reads;
 * two PIT readings bound the TSC's rate, and two LAPIC readings bound the
 * LAPIC's through the TSC's (kernel/rate_bound.h says how). The boot
 * between start and finish is the window, 7-15 ms under QEMU's TCG:
 * nothing is waited for unless the window is too short or a reading came
 * out wide. On a PC whose serial line really runs at 115200 baud, 87 us
 * a character, the boot log takes longer than the PIT's 54.9 ms to get
 * here; so a window more than half gone when the LAPIC starts counting
 * starts again there, and measures the rest of the boot.
 *
 * Readings, not windows that end when OUT2 rises (as here before: up to
 * ten 2 ms runs, their ends polled): a polled end is where the PIT puts
 * it, and a CPU stop across it (an SMI; under an emulator the host's
 * scheduler) widens that run by the stop's length, so short runs were
 * safer than long ones. A reading is taken when the CPU chooses, and of
 * READ_TRIES in a row the tightest is kept, so a stop widens one that is
 * then not used; a window's own uncertainty, one PIT period either way
 * in `d`, then shrinks as it grows (about 1/d: 120 ppm at 7 ms).
 *
 * If the window is shorter than 2 ms (fast hardware; QEMU's -icount) or
 * the bounds miss the goal at the finish, the PIT is read again until
 * neither holds, for at most WAIT_PIT_TICKS (2 ms) of waiting per window;
 * then a new window starts, up to MAX_WINDOWS in all (the most that is
 * waited is 20 ms, as with the ten runs before). A count that reached
 * zero (OUT2 high: the window outlived 54.9 ms, a very slow boot) also
 * starts a new window. The TSC's bounds from every pair of readings are
 * intersected; the LAPIC's are taken over its longest span, through the
 * TSC's final bounds. The figures are the bounds' middles. Not a median:
 * under TCG on a busy host most readings may be stretched by the host's
 * scheduler (a median of three once made the clock run at half speed).
 *
 * What the bounds mean for alarms: a wait is measured on the TSC, so its
 * length is off by at most the TSC's error; the LAPIC timer that ends it
 * is set from the LAPIC rate, so it may fire late by at most the LAPIC's
 * error (an early firing finds nothing due, and the mux arms again).
 *
 * Spec: Intel 8254 datasheet (order 231164) for the PIT (pit.c); Intel
 * SDM vol. 3A 11.5.4 (APIC timer: divide configuration, initial and
 * current count, one-shot mode) and 17.17 (time-stamp counter).
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/calibration.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/pit.h"
#include "kernel/log.h"
#include "kernel/rate_bound.h"

#define GOAL_PPM 1000u /* 0.1 % */
#define READ_TRIES 4
#define MAX_WINDOWS 10
#define WAIT_PIT_TICKS 2386u /* 2 ms: the longest one window is waited for */
/* 2 ms, the length of the runs before: a window is never shorter, so the
 * figures are never worse than theirs (+-210 ppm of the window's own). */
#define MIN_WINDOW_PIT_TICKS 2386u
/* 51.5 ms: a window this old is replaced before its count reaches zero. */
#define WINDOW_PIT_TICKS_MAX 0xf000u
/* Rounds of readings in all. A round is at least 16 port accesses, 8 us
 * or more on any PC, and 20 ms of waiting needs a few thousand; this
 * only stops a PC whose PIT never counts from hanging the boot. */
#define ROUND_LIMIT 50000u
#define LAPIC_COUNT_FROM 0xffffffffu
#define NOMINAL_HZ 1000000000ull

static struct {
	bool pit_started, lapic_started;
	struct counter_reading pit_start, lapic_start;
} cal;

static uint64_t width(struct counter_reading r)
{
	return r.after - r.before;
}

/* The tightest of READ_TRIES PIT readings taken before the count reached
 * zero; false if none was. */
static bool pit_read_tightest(struct counter_reading *best)
{
	struct counter_reading tightest = { 0 };
	bool any = false;
	for (int i = 0; i < READ_TRIES; i++) {
		struct counter_reading r;
		if (pit_count_read(&r) && (!any || width(r) < width(tightest))) {
			tightest = r;
			any = true;
		}
	}
	if (any)
		*best = tightest;
	return any;
}

/* The tightest of READ_TRIES LAPIC readings: a read that waited (under
 * an emulator the LAPIC is emulated behind a lock) only widens the
 * bracket. */
static struct counter_reading lapic_read_tightest(void)
{
	struct counter_reading best = { 0, 0, UINT64_MAX };
	for (int i = 0; i < READ_TRIES; i++) {
		struct counter_reading r;
		r.before = rdtsc();
		r.count = lapic_read(LAPIC_REG_TIMER_CURRENT);
		r.after = rdtsc();
		if (width(r) < width(best))
			best = r;
	}
	return best;
}

void calibration_start(void)
{
	pit_count_start();
	cal.pit_started = pit_read_tightest(&cal.pit_start);
}

/* The PIT window's age now, in PIT periods; PIT_COUNT_FROM if it has run
 * out or never started. */
static uint32_t pit_window_age(void)
{
	struct counter_reading p;
	if (!cal.pit_started || !pit_read_tightest(&p))
		return PIT_COUNT_FROM;
	return (uint16_t)(cal.pit_start.count - p.count);
}

void calibration_start_lapic(void)
{
	lapic_timer_oneshot(LAPIC_COUNT_FROM); /* divide by 1: lapic_init() */
	cal.lapic_start = lapic_read_tightest();
	cal.lapic_started = true;
	/* A boot this slow so far (a real serial line at 115200 baud, 87 us
	 * a character) would outlive the PIT's 54.9 ms before the finish:
	 * the window starts again here, and measures the rest of the boot. */
	if (pit_window_age() > PIT_COUNT_FROM / 2)
		calibration_start();
}

static uint64_t pit_us(uint64_t ticks)
{
	return ticks * 1000000 / PIT_HZ;
}

int lapic_alarm_calibrate(struct lapic_alarm *a)
{
	struct rate_bound tsc = RATE_UNKNOWN, lapic = RATE_UNKNOWN;
	int windows = 1;
	uint64_t spanned = 0, waited = 0; /* PIT periods, all windows */
	/* This window's steps at its first reading here (UINT32_MAX: none
	 * yet) and at its latest; a window started here is waited for whole. */
	uint32_t first = UINT32_MAX, last = 0;

	if (!cal.lapic_started)
		calibration_start_lapic();
	if (!cal.pit_started) {
		calibration_start();
		first = 0;
	}
	for (unsigned round = 0; round < ROUND_LIMIT; round++) {
		struct counter_reading p;
		bool valid = cal.pit_started && pit_read_tightest(&p);
		uint32_t steps = valid ? (uint16_t)(cal.pit_start.count - p.count) : 0;
		if (valid && steps <= WINDOW_PIT_TICKS_MAX) {
			if (first == UINT32_MAX)
				first = steps;
			last = steps;
			rate_bound_intersect(&tsc, rate_of_clock(cal.pit_start, p, steps, PIT_HZ));
			struct counter_reading l = lapic_read_tightest();
			if (l.count != 0) {
				lapic = rate_of_counter(cal.lapic_start, l,
							cal.lapic_start.count - l.count, tsc);
			} else { /* it ran out (4.3 s at 1 GHz) and stopped: a new start */
				lapic = RATE_UNKNOWN;
				calibration_start_lapic();
			}
			if (steps >= MIN_WINDOW_PIT_TICKS && rate_bound_ppm(tsc) <= GOAL_PPM &&
			    rate_bound_ppm(lapic) <= GOAL_PPM)
				break;
			if (last - first < WAIT_PIT_TICKS)
				continue;
		}
		/* This window is over: waited for long enough, too old, or
		 * its count reached zero. */
		if (windows == MAX_WINDOWS)
			break;
		spanned += last;
		waited += first == UINT32_MAX ? 0 : last - first;
		windows++;
		calibration_start();
		first = 0;
		last = 0;
	}
	spanned += last;
	waited += first == UINT32_MAX ? 0 : last - first;
	lapic_timer_oneshot(0);

	if (rate_bound_mid(tsc) == 0 || rate_bound_mid(lapic) == 0 || tsc.hi == UINT64_MAX ||
	    lapic.hi == UINT64_MAX) {
		log_warn("timer: PIT calibration failed; assuming TSC and LAPIC timer at 1 GHz");
		a->tsc_hz = a->lapic_hz = NOMINAL_HZ;
		a->lapic_per_tsc_q32 = 1ull << 32;
		log_info("timer: TSC 1000.000000 MHz, LAPIC timer 1000.000000 MHz (assumed)");
		return -1;
	}
	a->tsc_hz = rate_bound_mid(tsc);
	a->lapic_hz = rate_bound_mid(lapic);
	a->lapic_per_tsc_q32 = (a->lapic_hz << 32) / a->tsc_hz;
	uint64_t tsc_ppm = rate_bound_ppm(tsc), lapic_ppm = rate_bound_ppm(lapic);
	log_info("timer: TSC %llu.%06llu MHz +-%llu ppm, LAPIC timer %llu.%06llu MHz +-%llu ppm "
		 "(against the PIT: %d window%s, %llu us, %llu us waited)",
		 (unsigned long long)(a->tsc_hz / 1000000),
		 (unsigned long long)(a->tsc_hz % 1000000), (unsigned long long)tsc_ppm,
		 (unsigned long long)(a->lapic_hz / 1000000),
		 (unsigned long long)(a->lapic_hz % 1000000), (unsigned long long)lapic_ppm,
		 windows, windows == 1 ? "" : "s", (unsigned long long)pit_us(spanned),
		 (unsigned long long)pit_us(waited));
	if (tsc_ppm > GOAL_PPM || lapic_ppm > GOAL_PPM)
		log_warn("timer: calibration missed its 0.1%% goal after %d window%s: alarms may "
			 "be off by up to %llu ppm",
			 windows, windows == 1 ? "" : "s",
			 (unsigned long long)(tsc_ppm + lapic_ppm));
	return 0;
}
