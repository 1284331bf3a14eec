/*
 * The knock loop (kernel/loop.h): dispatch order, once-per-round fairness,
 * the start-up verification and the race-free sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/loop.h"
#include "kernel/log.h"
#include "kernel/pending.h"
#include "fake_arch.h"
#include "fake_log.h"

/* Everything the kernel logs, so tests can read panic messages. */

/* Which clients ran, in order: each appends its ctx's letter. */
static char calls[64];

static void record(void *ctx)
{
	size_t n = strlen(calls);
	assert_true(n + 1 < sizeof(calls));
	calls[n] = *(const char *)ctx;
	calls[n + 1] = '\0';
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	calls[0] = '\0';
	return 0;
}

static void test_dispatch_runs_lowest_bit_first(void **state)
{
	(void)state;
	loop_declare_interrupt(40, "c");
	loop_declare_interrupt(0, "a");
	loop_declare_interrupt(5, "b");
	unsigned d = loop_declare_deferred("d");
	loop_set_client(40, "c", record, "c");
	loop_set_client(0, "a", record, "a");
	loop_set_client(5, "b", record, "b");
	loop_set_client(d, "d", record, "d");

	pending_set(&fake_cpu, d);
	pending_set(&fake_cpu, 40);
	pending_set(&fake_cpu, 5);
	pending_set(&fake_cpu, 0);
	uint64_t taken = loop_round(&fake_cpu);

	assert_string_equal(calls, "abcd");
	assert_int_equal(taken, (1ull << 0) | (1ull << 5) | (1ull << 40) | (1ull << d));
	assert_int_equal(fake_cpu.pending, 0);
	assert_int_equal(fake_cpu.rounds, 1);
}

static void test_round_with_nothing_pending_does_nothing(void **state)
{
	(void)state;
	loop_declare_interrupt(1, "a");
	loop_set_client(1, "a", record, "a");

	assert_int_equal(loop_round(&fake_cpu), 0);
	assert_string_equal(calls, "");
	assert_int_equal(fake_cpu.rounds, 0);
}

static void test_only_set_bits_run(void **state)
{
	(void)state;
	loop_declare_interrupt(1, "a");
	loop_declare_interrupt(2, "b");
	loop_declare_interrupt(3, "c");
	loop_set_client(1, "a", record, "a");
	loop_set_client(2, "b", record, "b");
	loop_set_client(3, "c", record, "c");

	pending_set(&fake_cpu, 2);
	loop_round(&fake_cpu);
	assert_string_equal(calls, "b");
}

/* A client that knocks on its own bit again: a busy source. */
static unsigned rearm_bit;

static void rearm_self(void *ctx)
{
	record(ctx);
	pending_set(&fake_cpu, rearm_bit);
}

static void test_rearmed_bit_waits_for_next_round(void **state)
{
	(void)state;
	rearm_bit = 1;
	loop_declare_interrupt(1, "busy");
	loop_declare_interrupt(2, "quiet");
	loop_set_client(1, "busy", rearm_self, "B");
	loop_set_client(2, "quiet", record, "q");

	pending_set(&fake_cpu, 1);
	pending_set(&fake_cpu, 2);
	loop_round(&fake_cpu);
	/* Once each, even though "busy" knocked again at once: the quiet
	 * source is not starved. */
	assert_string_equal(calls, "Bq");
	assert_int_equal(fake_cpu.pending, 1ull << 1);

	loop_round(&fake_cpu);
	assert_string_equal(calls, "BqB");
	assert_int_equal(fake_cpu.rounds, 2);
}

/* A client that knocks on a higher bit not taken this round: it must not
 * run in this round even though dispatch has not reached that bit yet. */
static void knock_bit_9(void *ctx)
{
	record(ctx);
	pending_set(&fake_cpu, 9);
}

static void test_bit_set_during_round_is_not_taken_late(void **state)
{
	(void)state;
	loop_declare_interrupt(1, "a");
	loop_declare_interrupt(9, "z");
	loop_set_client(1, "a", knock_bit_9, "a");
	loop_set_client(9, "z", record, "z");

	pending_set(&fake_cpu, 1);
	assert_int_equal(loop_round(&fake_cpu), 1ull << 1);
	assert_string_equal(calls, "a");
	assert_int_equal(loop_round(&fake_cpu), 1ull << 9);
	assert_string_equal(calls, "az");
}

static void *seen_ctx;

static void remember_ctx(void *ctx)
{
	seen_ctx = ctx;
}

static void test_client_gets_its_ctx(void **state)
{
	(void)state;
	static int thing;
	loop_declare_interrupt(63, "top");
	loop_set_client(63, "top", remember_ctx, &thing);
	seen_ctx = NULL;
	pending_set(&fake_cpu, 63);
	loop_round(&fake_cpu);
	assert_ptr_equal(seen_ctx, &thing);
}

static void test_undeclared_set_bit_panics_naming_it(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 7);
	expect_assert_failure(loop_round(&fake_cpu));
	assert_non_null(strstr(fake_log, "PANIC: pending bit 7 is set but has no client"));
}

static void test_declared_bit_without_client_panics_naming_slot(void **state)
{
	(void)state;
	loop_declare_interrupt(12, "uart");
	pending_set(&fake_cpu, 12);
	expect_assert_failure(loop_round(&fake_cpu));
	assert_non_null(strstr(fake_log, "PANIC: pending bit 12 (uart) is set but has no client"));
}

/* Bits below the broken one still run: the panic is exactly at the bit. */
static void test_panic_comes_when_dispatch_reaches_the_bit(void **state)
{
	(void)state;
	loop_declare_interrupt(2, "a");
	loop_set_client(2, "a", record, "a");
	pending_set(&fake_cpu, 2);
	pending_set(&fake_cpu, 30);
	expect_assert_failure(loop_round(&fake_cpu));
	assert_string_equal(calls, "a");
	assert_non_null(strstr(fake_log, "pending bit 30 is set"));
}

static void test_declaring_a_bit_twice_panics_naming_both(void **state)
{
	(void)state;
	loop_declare_interrupt(4, "keyboard");
	expect_assert_failure(loop_declare_interrupt(4, "mouse"));
	assert_non_null(strstr(fake_log, "PANIC: "));
	assert_non_null(strstr(fake_log, "mouse"));
	assert_non_null(strstr(fake_log, "keyboard"));
	assert_non_null(strstr(fake_log, "bit 4"));
}

static void test_interrupt_on_a_deferred_bit_panics(void **state)
{
	(void)state;
	unsigned d = loop_declare_deferred("hello");
	expect_assert_failure(loop_declare_interrupt(d, "timer"));
	assert_non_null(strstr(fake_log, "hello"));
	assert_non_null(strstr(fake_log, "timer"));
}

static void test_out_of_range_bit_panics(void **state)
{
	(void)state;
	expect_assert_failure(loop_declare_interrupt(64, "far"));
	assert_non_null(strstr(fake_log, "bit 64 is out of range"));
}

static void test_client_for_undeclared_bit_panics(void **state)
{
	(void)state;
	expect_assert_failure(loop_set_client(9, "orphan", record, "o"));
	assert_non_null(strstr(fake_log, "PANIC: "));
	assert_non_null(strstr(fake_log, "orphan"));
	assert_non_null(strstr(fake_log, "bit 9"));
}

static void test_verify_passes_when_every_slot_has_one_client(void **state)
{
	(void)state;
	loop_declare_interrupt(0, "timer");
	unsigned d = loop_declare_deferred("hello");
	loop_set_client(0, "alarm", record, "t");
	loop_set_client(d, "banner", record, "h");
	loop_verify();
	assert_null(strstr(fake_log, "PANIC"));
}

static void test_verify_panics_on_missing_client(void **state)
{
	(void)state;
	loop_declare_interrupt(0, "timer");
	loop_declare_interrupt(3, "uart");
	loop_set_client(0, "alarm", record, "t");
	expect_assert_failure(loop_verify());
	assert_non_null(strstr(fake_log, "PANIC: "));
	assert_non_null(strstr(fake_log, "bit 3 (uart): no client"));
	assert_null(strstr(fake_log, "timer"));
}

static void test_verify_panics_on_doubled_client_and_first_keeps_running(void **state)
{
	(void)state;
	unsigned d = loop_declare_deferred("hello");
	loop_set_client(d, "banner", record, "1");
	loop_set_client(d, "shell", record, "2");

	pending_set(&fake_cpu, d);
	loop_round(&fake_cpu);
	assert_string_equal(calls, "1");

	expect_assert_failure(loop_verify());
	assert_non_null(strstr(fake_log, "(hello): 2 clients: banner, shell"));
}

static void test_verify_names_every_problem_in_one_panic(void **state)
{
	(void)state;
	loop_declare_interrupt(3, "uart");
	unsigned d = loop_declare_deferred("hello");
	loop_set_client(d, "banner", record, "1");
	loop_set_client(d, "shell", record, "2");
	loop_set_client(d, "stats", record, "3");

	expect_assert_failure(loop_verify());
	/* Both problems on the single PANIC line. */
	const char *line = strstr(fake_log, "PANIC: ");
	assert_non_null(line);
	const char *end = strchr(line, '\n');
	assert_non_null(end);
	const char *a = strstr(line, "bit 3 (uart): no client");
	const char *b = strstr(line, "(hello): 3 clients: banner, shell");
	assert_true(a && a < end);
	assert_true(b && b < end);
	assert_null(strstr(end, "PANIC: "));
}

/* Tests depend on this: a client from an earlier test must not answer. */
static void test_reset_forgets_slots_and_clients(void **state)
{
	(void)state;
	loop_declare_interrupt(5, "old");
	loop_set_client(5, "old", record, "o");
	loop_reset_for_test();

	assert_int_equal(loop_slot_kind(5), LOOP_SLOT_FREE);
	pending_set(&fake_cpu, 5);
	expect_assert_failure(loop_round(&fake_cpu));
	assert_string_equal(calls, "");
	assert_non_null(strstr(fake_log, "pending bit 5 is set but has no client"));
}

static void test_slot_introspection(void **state)
{
	(void)state;
	loop_declare_interrupt(2, "kbd");
	unsigned d = loop_declare_deferred("hello");
	assert_int_equal(loop_slot_kind(2), LOOP_SLOT_INTERRUPT);
	assert_string_equal(loop_slot_name(2), "kbd");
	assert_int_equal(loop_slot_kind(d), LOOP_SLOT_DEFERRED);
	assert_string_equal(loop_slot_name(d), "hello");
	assert_int_equal(loop_slot_kind(3), LOOP_SLOT_FREE);
	assert_null(loop_slot_name(3));
	assert_int_equal(loop_slot_kind(200), LOOP_SLOT_FREE);
}

static void test_sleeps_when_nothing_is_pending(void **state)
{
	(void)state;
	loop_sleep_if_idle(&fake_cpu);
	assert_string_equal(fake_arch_trace, "DI");
	assert_true(fake_irq_enabled);
	assert_int_equal(fake_cpu.sleeps, 1);
	assert_int_equal(fake_cpu.wakeups, 1);
}

static void test_does_not_sleep_with_work_pending(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 6);
	loop_sleep_if_idle(&fake_cpu);
	assert_string_equal(fake_arch_trace, "DE");
	assert_true(fake_irq_enabled);
	assert_int_equal(fake_cpu.sleeps, 0);
	assert_int_equal(fake_cpu.pending, 1ull << 6);
}

static void knock_bit_8_as_interrupt(void)
{
	pending_set(&fake_cpu, 8);
}

static void test_interrupt_during_idle_wakes_the_loop(void **state)
{
	(void)state;
	loop_declare_interrupt(8, "kbd");
	loop_set_client(8, "keyboard", record, "k");
	fake_on_idle = knock_bit_8_as_interrupt;

	assert_int_equal(loop_round(&fake_cpu), 0);
	loop_sleep_if_idle(&fake_cpu);
	assert_int_equal(loop_round(&fake_cpu), 1ull << 8);
	assert_string_equal(calls, "k");
	assert_int_equal(fake_cpu.wakeups, 1);
}

/* loop_run never returns: the idle hook escapes it through mock_assert. */
static unsigned rounds_left;

static void rearm_a_few_times(void *ctx)
{
	record(ctx);
	if (--rounds_left)
		pending_set(&fake_cpu, rearm_bit);
}

static void escape_loop_run(void)
{
	mock_assert(0, "escape_loop_run", __FILE__, __LINE__);
}

static void test_loop_run_answers_knocks_then_sleeps(void **state)
{
	(void)state;
	rearm_bit = loop_declare_deferred("again");
	loop_set_client(rearm_bit, "again", rearm_a_few_times, "r");
	loop_declare_interrupt(0, "kbd");
	loop_set_client(0, "keyboard", record, "k");
	rounds_left = 3;
	fake_on_idle = escape_loop_run;

	pending_set(&fake_cpu, rearm_bit);
	pending_set(&fake_cpu, 0);
	expect_assert_failure(loop_run());

	assert_string_equal(calls, "krrr");
	assert_int_equal(fake_cpu.rounds, 3);
	assert_int_equal(fake_cpu.sleeps, 1);
	assert_string_equal(fake_arch_trace, "DI");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dispatch_runs_lowest_bit_first, setup),
		cmocka_unit_test_setup(test_round_with_nothing_pending_does_nothing, setup),
		cmocka_unit_test_setup(test_only_set_bits_run, setup),
		cmocka_unit_test_setup(test_rearmed_bit_waits_for_next_round, setup),
		cmocka_unit_test_setup(test_bit_set_during_round_is_not_taken_late, setup),
		cmocka_unit_test_setup(test_client_gets_its_ctx, setup),
		cmocka_unit_test_setup(test_undeclared_set_bit_panics_naming_it, setup),
		cmocka_unit_test_setup(test_declared_bit_without_client_panics_naming_slot, setup),
		cmocka_unit_test_setup(test_panic_comes_when_dispatch_reaches_the_bit, setup),
		cmocka_unit_test_setup(test_declaring_a_bit_twice_panics_naming_both, setup),
		cmocka_unit_test_setup(test_interrupt_on_a_deferred_bit_panics, setup),
		cmocka_unit_test_setup(test_out_of_range_bit_panics, setup),
		cmocka_unit_test_setup(test_client_for_undeclared_bit_panics, setup),
		cmocka_unit_test_setup(test_verify_passes_when_every_slot_has_one_client, setup),
		cmocka_unit_test_setup(test_verify_panics_on_missing_client, setup),
		cmocka_unit_test_setup(test_verify_panics_on_doubled_client_and_first_keeps_running,
				       setup),
		cmocka_unit_test_setup(test_verify_names_every_problem_in_one_panic, setup),
		cmocka_unit_test_setup(test_reset_forgets_slots_and_clients, setup),
		cmocka_unit_test_setup(test_slot_introspection, setup),
		cmocka_unit_test_setup(test_sleeps_when_nothing_is_pending, setup),
		cmocka_unit_test_setup(test_does_not_sleep_with_work_pending, setup),
		cmocka_unit_test_setup(test_interrupt_during_idle_wakes_the_loop, setup),
		cmocka_unit_test_setup(test_loop_run_answers_knocks_then_sleeps, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
