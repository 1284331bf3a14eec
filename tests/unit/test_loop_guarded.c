/*
 * The in-ISR design's round (loop_round_guarded in kernel/lab/loop_guarded.c): the
 * same dispatch as knock's, but every client runs with interrupts off, and
 * interrupts come back on between clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/lab/loop_guarded.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "fake_arch.h"

/* Each client appends its letter, and '!' if interrupts were on. */
static char calls[64];

static void record(void *ctx)
{
	size_t n = strlen(calls);
	assert_true(n + 2 < sizeof(calls));
	calls[n++] = *(const char *)ctx;
	if (fake_irq_enabled)
		calls[n++] = '!';
	calls[n] = '\0';
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	calls[0] = '\0';
	return 0;
}

static void test_every_client_runs_with_interrupts_off(void **state)
{
	(void)state;
	loop_declare_interrupt(0, "timer");
	loop_declare_interrupt(2, "com1");
	unsigned d = loop_declare_deferred("later");
	loop_set_client(0, "a", record, "a");
	loop_set_client(2, "b", record, "b");
	loop_set_client(d, "c", record, "c");
	fake_irq_enabled = true;
	pending_set(&fake_cpu, d);
	pending_set(&fake_cpu, 2);
	pending_set(&fake_cpu, 0);

	uint64_t taken = loop_round_guarded(&fake_cpu);

	assert_int_equal(taken, (1ull << 0) | (1ull << 2) | (1ull << d));
	assert_string_equal(calls, "abc");
	/* Off around each client, on again in between and at the end. */
	assert_string_equal(fake_arch_trace, "DEDEDE");
	assert_true(fake_irq_enabled);
	assert_int_equal(fake_cpu.rounds, 1);
	assert_int_equal(fake_cpu.serviced[0], 1);
	assert_int_equal(fake_cpu.serviced[2], 1);
	assert_int_equal(fake_cpu.serviced[d], 1);
}

static void test_an_empty_round_touches_nothing(void **state)
{
	(void)state;
	assert_int_equal(loop_round_guarded(&fake_cpu), 0);
	assert_string_equal(fake_arch_trace, "");
	assert_int_equal(fake_cpu.rounds, 0);
}

static void rearm(void *ctx)
{
	record(ctx);
	pending_set(&fake_cpu, 3);
}

static void test_a_bit_set_during_the_round_waits_for_the_next(void **state)
{
	(void)state;
	loop_declare_interrupt(3, "dev");
	loop_set_client(3, "r", rearm, "r");
	pending_set(&fake_cpu, 3);

	assert_int_equal(loop_round_guarded(&fake_cpu), 1ull << 3);
	assert_string_equal(calls, "r");
	assert_int_equal(loop_round_guarded(&fake_cpu), 1ull << 3);
	assert_string_equal(calls, "rr");
	assert_int_equal(fake_cpu.rounds, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_client_runs_with_interrupts_off, setup),
		cmocka_unit_test_setup(test_an_empty_round_touches_nothing, setup),
		cmocka_unit_test_setup(test_a_bit_set_during_the_round_waits_for_the_next, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
