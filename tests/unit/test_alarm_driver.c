/*
 * capsules/alarm_driver.c: a process's virtual alarm on the alarm mux, in
 * microseconds; it fires as an upcall with the time and the deadline; it
 * can be stopped; and when the process goes away the alarm leaves the
 * mux before its grant is freed (nothing of the process stays armed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_driver.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_process.h"
#include "fake_log.h"
#include "fake_syscall.h"

#define BASE PROCESS_USER_BASE
#define REGION FAKE_PROCESS_REGION
#define HZ 1000000000ull /* 1 GHz: a tick is a nanosecond */

static struct fake_alarm hw;
static struct alarm_mux mux;
static struct alarm_driver ad;
static struct process proc;
static uint8_t *region;

static int setup(void **state)
{
	(void)state;

	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	syscall_reset_for_test();
	fake_alarm_init(&hw, HZ, 0);
	alarm_mux_init(&mux, &hw.hil);
	alarm_driver_init(&ad, &mux, 1);
	assert_null(fake_process_load(&proc, "p", 0, &region));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

/* Play the hardware and the loop until the alarm has knocked and fired. */
static void run_until(uint64_t ns)
{
	hw.now = ns;
	if (fake_alarm_due(&hw)) {
		fake_alarm_knock(&hw);
		alarm_mux_service(&mux);
	}
}

static void test_frequency_and_now(void **state)
{
	(void)state;
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 1, 0, 0).v[0], 1000000);
	hw.now = 2500 * 1000; /* 2.5 ms */
	struct syscall_result r = fake_syscall(&proc, SYSCALL_COMMAND, 0, 2, 0, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U64);
	assert_int_equal(r.v[0], 2500);
}

static void test_relative_alarm_fires_as_an_upcall(void **state)
{
	(void)state;
	struct upcall u;

	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 0, 0, BASE, 9);
	hw.now = 1000 * 1000; /* 1 ms */
	struct syscall_result r = fake_syscall(&proc, SYSCALL_COMMAND, 0, 5, 500, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U64);
	assert_int_equal(r.v[0], 1500);
	assert_true(hw.armed);
	assert_int_equal(hw.deadline, 1500 * 1000);
	run_until(1499 * 1000);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	run_until(1500 * 1000);
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_int_equal(u.driver, 0);
	assert_int_equal(u.arg[0], 1500);
	assert_int_equal(u.arg[1], 1500);
	assert_int_equal(u.userdata, 9);
	assert_false(hw.armed); /* one-shot: nothing left */
}

static void test_absolute_stop_and_limits(void **state)
{
	(void)state;
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 3, 0, 0).v[0], ERR_ALREADY);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 6, 7000, 0).v[0], 7000);
	assert_true(hw.armed);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 3, 0, 0).variant, SYSCALL_SUCCESS);
	assert_false(hw.armed);
	assert_int_equal(
		fake_syscall(&proc, SYSCALL_COMMAND, 0, 5, ALARM_DRIVER_MAX_US + 1, 0).v[0],
		ERR_INVAL);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 6, UINT64_MAX, 0).v[0], ERR_INVAL);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 9, 0, 0).v[0], ERR_NOSUPPORT);
	/* A deadline already past fires at once. */
	hw.now = 10 * 1000 * 1000;
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 0, 6, 5, 0).v[0], 5);
	assert_true(hw.armed);
}

static void test_process_going_away_takes_its_alarm(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 0, 0, BASE, 0);
	fake_syscall(&proc, SYSCALL_COMMAND, 0, 5, 1000, 0);
	assert_true(hw.armed);
	syscall_release(&proc);
	process_stop(&proc, PROCESS_KILLED);
	assert_false(hw.armed);
	/* The grant memory may now be reused: the mux must not touch it. */
	memset(region + REGION - PROC_PAGE, 0xa5, PROC_PAGE);
	run_until(5000 * 1000);
	assert_int_equal(ad.fired, 0);
	/* Exit releases too. */
	assert_null(process_restart(&proc));
	fake_syscall(&proc, SYSCALL_COMMAND, 0, 5, 1000, 0);
	struct syscall_args a = { SYSCALL_EXIT, { EXIT_TERMINATE, 0, 0, 0 } };
	struct syscall_result r;
	struct upcall u;
	assert_int_equal(syscall_handle(&proc, &a, &r, &u), SYSCALL_EXITED);
	assert_false(hw.armed);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_frequency_and_now),
		T(test_relative_alarm_fires_as_an_upcall),
		T(test_absolute_stop_and_limits),
		T(test_process_going_away_takes_its_alarm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
