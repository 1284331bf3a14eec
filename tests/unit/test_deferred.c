/* Deferred calls (kernel/deferred.h): bits from the top, coalescing, verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/deferred.h"
#include "kernel/log.h"
#include "fake_arch.h"
#include "fake_log.h"

static unsigned runs;
static void *last_ctx;

static void count_run(void *ctx)
{
	runs++;
	last_ctx = ctx;
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	runs = 0;
	last_ctx = NULL;
	return 0;
}

static void test_bits_are_taken_from_63_down(void **state)
{
	(void)state;
	struct deferred_call a, b, c;
	deferred_call_init(&a, "a");
	deferred_call_init(&b, "b");
	deferred_call_init(&c, "c");
	assert_int_equal(a.bit, 63);
	assert_int_equal(b.bit, 62);
	assert_int_equal(c.bit, 61);
	assert_int_equal(loop_slot_kind(62), LOOP_SLOT_DEFERRED);
	assert_string_equal(loop_slot_name(62), "b");
}

static void test_bits_skip_declared_interrupts(void **state)
{
	(void)state;
	struct deferred_call a, b;
	loop_declare_interrupt(62, "odd board");
	deferred_call_init(&a, "a");
	deferred_call_init(&b, "b");
	assert_int_equal(a.bit, 63);
	assert_int_equal(b.bit, 61);
}

static void test_exhaustion_panics(void **state)
{
	(void)state;
	static struct deferred_call calls[64];
	loop_declare_interrupt(0, "timer");
	for (unsigned i = 0; i < 63; i++)
		deferred_call_init(&calls[i], "filler");
	assert_int_equal(calls[62].bit, 1);
	expect_assert_failure(deferred_call_init(&calls[63], "one too many"));
	assert_non_null(strstr(fake_log, "PANIC: deferred call one too many"));
}

static void test_set_runs_client_later_with_its_ctx(void **state)
{
	(void)state;
	static int ctx;
	struct deferred_call dc;
	deferred_call_init(&dc, "hello");
	deferred_call_register(&dc, "banner", count_run, &ctx);

	deferred_call_set(&dc);
	assert_int_equal(runs, 0); /* never from inside the call that set it */
	assert_int_equal(fake_cpu.pending, 1ull << dc.bit);
	loop_round(&fake_cpu);
	assert_int_equal(runs, 1);
	assert_ptr_equal(last_ctx, &ctx);
	assert_int_equal(fake_cpu.pending, 0);
}

static void test_setting_three_times_runs_once(void **state)
{
	(void)state;
	struct deferred_call dc;
	deferred_call_init(&dc, "hello");
	deferred_call_register(&dc, "banner", count_run, NULL);

	deferred_call_set(&dc);
	deferred_call_set(&dc);
	deferred_call_set(&dc);
	loop_round(&fake_cpu);
	assert_int_equal(runs, 1);
	assert_int_equal(loop_round(&fake_cpu), 0);
	assert_int_equal(runs, 1);
}

/* A client that re-arms its own call: a long job split into steps. */
static struct deferred_call stepper;
static unsigned steps_left;

static void step(void *ctx)
{
	(void)ctx;
	runs++;
	if (--steps_left)
		deferred_call_set(&stepper);
}

static void test_rearming_client_runs_once_per_round(void **state)
{
	(void)state;
	deferred_call_init(&stepper, "job");
	deferred_call_register(&stepper, "job", step, NULL);
	steps_left = 3;

	deferred_call_set(&stepper);
	loop_round(&fake_cpu);
	assert_int_equal(runs, 1);
	loop_round(&fake_cpu);
	assert_int_equal(runs, 2);
	loop_round(&fake_cpu);
	assert_int_equal(runs, 3);
	assert_int_equal(loop_round(&fake_cpu), 0);
	assert_int_equal(runs, 3);
}

static void test_verify_catches_unregistered_call(void **state)
{
	(void)state;
	struct deferred_call dc;
	deferred_call_init(&dc, "forgotten");
	expect_assert_failure(loop_verify());
	assert_non_null(strstr(fake_log, "(forgotten): no client"));
}

static void test_verify_catches_doubly_registered_call(void **state)
{
	(void)state;
	struct deferred_call dc;
	deferred_call_init(&dc, "hello");
	deferred_call_register(&dc, "banner", count_run, NULL);
	deferred_call_register(&dc, "shell", count_run, NULL);
	expect_assert_failure(loop_verify());
	assert_non_null(strstr(fake_log, "(hello): 2 clients: banner, shell"));
}

static void test_verify_passes_for_registered_calls(void **state)
{
	(void)state;
	struct deferred_call a, b;
	deferred_call_init(&a, "a");
	deferred_call_init(&b, "b");
	deferred_call_register(&a, "a", count_run, NULL);
	deferred_call_register(&b, "b", count_run, NULL);
	loop_verify();
	assert_null(strstr(fake_log, "PANIC"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bits_are_taken_from_63_down, setup),
		cmocka_unit_test_setup(test_bits_skip_declared_interrupts, setup),
		cmocka_unit_test_setup(test_exhaustion_panics, setup),
		cmocka_unit_test_setup(test_set_runs_client_later_with_its_ctx, setup),
		cmocka_unit_test_setup(test_setting_three_times_runs_once, setup),
		cmocka_unit_test_setup(test_rearming_client_runs_once_per_round, setup),
		cmocka_unit_test_setup(test_verify_catches_unregistered_call, setup),
		cmocka_unit_test_setup(test_verify_catches_doubly_registered_call, setup),
		cmocka_unit_test_setup(test_verify_passes_for_registered_calls, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
