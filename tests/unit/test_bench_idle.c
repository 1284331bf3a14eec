/*
 * The lab's idle figure (capsules/lab/bench_idle.h): the loop's wake-ups
 * over one idle guest second, minus the interval's own alarm.
 *
 * The fake arch plays the CPU (fake_cpu.wakeups is what the loop would
 * count); the fake alarm plays the LAPIC timer at 1 GHz.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_mux.h"
#include "capsules/lab/bench_idle.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_log.h"

#define TPS UINT64_C(1000000000) /* 1 GHz: 1 tick = 1 ns */

static struct fake_alarm hw;
static struct alarm_mux mux;
static struct bench_idle bench;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	fake_alarm_init(&hw, TPS, 0);
	alarm_mux_init(&mux, &hw.hil);
	bench_idle_init(&bench, &mux);
	return 0;
}

/* Play the loop: the CPU sleeps until the armed deadline, the timer's
 * interrupt wakes it (one wake-up) and the loop serves the timer bit. */
static void sleep_until_alarm(void)
{
	assert_true(hw.armed);
	fake_cpu.wakeups++;
	fake_alarm_knock(&hw);
	hw.now = hw.deadline;
	alarm_mux_service(&mux);
}

static void test_counts_uninvited_wakeups_over_one_idle_second(void **state)
{
	char line[200];

	(void)state;
	bench_idle_start(&bench);
	assert_int_equal(hw.deadline, BENCH_IDLE_SETTLE_MS * 1000000ull);
	sleep_until_alarm(); /* settle */
	assert_int_equal(bench.phase, BENCH_IDLE_MEASURING);
	assert_int_equal(hw.deadline, (BENCH_IDLE_SETTLE_MS + BENCH_IDLE_MS) * 1000000ull);
	assert_null(strstr(fake_log, "bench:"));
	/* Two interrupts nobody asked for during the idle second. */
	fake_cpu.wakeups += 2;
	sleep_until_alarm();
	assert_int_equal(bench.phase, BENCH_IDLE_DONE);
	assert_false(hw.armed); /* tickless again */
	assert_non_null(strstr(fake_log, "bench: idle_wakeups_per_s rate=2.000 wakeups=3 "
					 "own=1 interval_us=1000000 timer_rounds=1\n"));
	bench_idle_format(&bench, line, sizeof(line));
	assert_non_null(strstr(line, "idle_wakeups_per_s rate=2.000"));
}

static void test_a_quiet_second_is_zero(void **state)
{
	char line[200];

	(void)state;
	bench_idle_start(&bench);
	sleep_until_alarm();
	sleep_until_alarm();
	bench_idle_format(&bench, line, sizeof(line));
	assert_non_null(strstr(line, "rate=0.000 wakeups=1 own=1"));
}

static void test_report_before_and_during_the_run(void **state)
{
	char line[200];

	(void)state;
	bench_idle_format(&bench, line, sizeof(line));
	assert_string_equal(line, "idle_wakeups_per_s not measured: the boot option bench runs it");
	bench_idle_start(&bench);
	bench_idle_format(&bench, line, sizeof(line));
	assert_string_equal(line, "idle_wakeups_per_s not measured yet: still running");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_counts_uninvited_wakeups_over_one_idle_second, setup),
		cmocka_unit_test_setup(test_a_quiet_second_is_zero, setup),
		cmocka_unit_test_setup(test_report_before_and_during_the_run, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
