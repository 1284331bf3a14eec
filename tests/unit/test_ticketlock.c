/*
 * kernel/ticketlock.h in one thread: tickets and serving, and the debug
 * checks (re-taking a held lock, releasing a lock not held, taking one
 * outside loop context). Mutual exclusion and FIFO order under real
 * threads are in tests/tsan/test_ticketlock_threads.c. Also the
 * benchmark's test-and-set lock (kernel/taslock.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/lab/taslock.h"
#include "kernel/ticketlock.h"
#include "fake_arch.h"
#include "fake_log.h"

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	log_add_sink(fake_log_sink);
	fake_log_clear();
	return 0;
}

static void test_lock_draws_a_ticket_and_unlock_serves_the_next(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("t");

	(void)state;
	ticketlock_lock(&l);
	assert_int_equal(l.next, 1);
	assert_int_equal(l.serving, 0);
	assert_int_equal(l.holder, fake_cpu.id + 1);
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 1);
	assert_int_equal(l.holder, 0);
	for (int i = 0; i < 5; i++) {
		ticketlock_lock(&l);
		ticketlock_unlock(&l);
	}
	assert_int_equal(l.next, 6);
	assert_int_equal(l.serving, 6);
}

static void test_tickets_wrap_around(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("wrap");

	(void)state;
	l.next = l.serving = UINT32_MAX;
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_int_equal(l.next, 0);
	assert_int_equal(l.serving, 0);
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_int_equal(l.serving, 1);
}

static void test_taking_it_twice_panics_instead_of_waiting_forever(void **state)
{
	struct ticketlock l;

	(void)state;
	ticketlock_init(&l, "twice");
	ticketlock_lock(&l);
	expect_assert_failure(ticketlock_lock(&l));
	assert_non_null(
		strstr(fake_log, "ticketlock twice: cpu 0 takes it again while holding it"));
	/* The check came before the ticket: the lock is not left wedged. */
	assert_int_equal(l.next, 1);
}

static void test_release_by_a_cpu_that_does_not_hold_it_panics(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("foreign");
	struct cpu other = { .id = 3 };

	(void)state;
	expect_assert_failure(ticketlock_unlock(&l));
	assert_non_null(
		strstr(fake_log, "ticketlock foreign: cpu 0 releases it without holding it"));

	fake_log_clear();
	panic_reset_for_test(); /* the first panic is still "in progress" */
	other.self = &other;
	fake_arch_set_this_cpu(&other);
	ticketlock_lock(&l);
	fake_arch_set_this_cpu(NULL);
	expect_assert_failure(ticketlock_unlock(&l));
	assert_non_null(strstr(fake_log, "cpu 0 releases it without holding it"));
}

static void test_taking_it_in_an_exception_handler_panics(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("handler");

	(void)state;
	fake_cpu.handler_depth = 1;
	expect_assert_failure(ticketlock_lock(&l));
	assert_non_null(strstr(fake_log, "ticketlock_lock outside loop context"));
	assert_int_equal(l.next, 0);
}

static void test_taking_it_leaves_interrupts_alone(void **state)
{
	struct ticketlock l = TICKETLOCK_INIT("irq");

	(void)state;
	fake_irq_enabled = true;
	ticketlock_lock(&l);
	ticketlock_unlock(&l);
	assert_true(fake_irq_enabled);
	assert_string_equal(fake_arch_trace, "");
}

static void test_taslock_takes_and_releases(void **state)
{
	struct taslock t = { 0 };

	(void)state;
	taslock_lock(&t);
	assert_int_equal(t.locked, 1);
	taslock_unlock(&t);
	assert_int_equal(t.locked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lock_draws_a_ticket_and_unlock_serves_the_next, setup),
		cmocka_unit_test_setup(test_tickets_wrap_around, setup),
		cmocka_unit_test_setup(test_taking_it_twice_panics_instead_of_waiting_forever,
				       setup),
		cmocka_unit_test_setup(test_release_by_a_cpu_that_does_not_hold_it_panics, setup),
		cmocka_unit_test_setup(test_taking_it_in_an_exception_handler_panics, setup),
		cmocka_unit_test_setup(test_taking_it_leaves_interrupts_alone, setup),
		cmocka_unit_test_setup(test_taslock_takes_and_releases, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
