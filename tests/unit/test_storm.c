/*
 * capsules/storm.c on the host: the soft interrupt is a counter plus a
 * pending bit the test plays the loop for, the clock is fake_alarm's.
 *
 * Covered: the first raise comes from storm_start() and no callback runs
 * inside it; every service before the deadline raises again (so the bit
 * is back before the next round); the service past the deadline stops
 * and reports the count and the duration once; bad durations and a second
 * storm are refused; a stray service does nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/shell.h"
#include "capsules/lab/storm.h"
#include "capsules/lab/storm_commands.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "fake_alarm.h"
#include "fake_arch.h"

#define TPS UINT64_C(1000000) /* ticks are microseconds */
#define BIT_STORM 3

static struct fake_alarm hw;
static struct alarm_mux mux;
static struct storm storm;
static unsigned raises;

static void raise_irq(void *hw_ctx)
{
	(void)hw_ctx;
	raises++;
	pending_set(&fake_cpu, BIT_STORM); /* what the top half does */
}

static const struct hil_soft_irq soft_irq = { .hw = NULL, .raise = raise_irq };

static unsigned done_calls;
static struct storm_result result;

static void done(void *ctx, const struct storm_result *r)
{
	(void)ctx;
	done_calls++;
	result = *r;
}

static const struct storm_client client = { .ctx = NULL, .done = done };

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_alarm_init(&hw, TPS, 1000);
	alarm_mux_init(&mux, &hw.hil);
	storm_init(&storm, &mux, &soft_irq);
	loop_declare_interrupt(BIT_STORM, "storm");
	loop_set_client(BIT_STORM, "storm", storm_service, &storm);
	raises = done_calls = 0;
	memset(&result, 0, sizeof(result));
	return 0;
}

static void test_storm_reraises_until_its_deadline_then_reports(void **state)
{
	(void)state;
	assert_int_equal(storm_start(&storm, 10, &client), 0);
	assert_true(storm_running(&storm));
	assert_int_equal(raises, 1);
	assert_int_equal(done_calls, 0); /* never from inside storm_start */

	/* Each round finds the bit set again: 100 us a round, 10 ms. */
	unsigned rounds = 0;
	while (loop_round(&fake_cpu)) {
		rounds++;
		hw.now += 100;
		assert_true(rounds < 1000);
	}
	assert_int_equal(rounds, 101); /* 100 before the deadline, the last one past it */
	assert_int_equal(raises, 101);
	assert_int_equal(done_calls, 1);
	assert_int_equal(result.interrupts, 101);
	assert_int_equal(result.us, 10000);
	assert_false(storm_running(&storm));
	assert_int_equal(fake_cpu.pending, 0);

	/* Over: another service (a stray raise) does nothing. */
	storm_service(&storm);
	assert_int_equal(raises, 101);
	assert_int_equal(done_calls, 1);
}

static void test_bad_durations_and_a_second_storm_are_refused(void **state)
{
	(void)state;
	assert_int_equal(storm_start(&storm, 0, &client), -1);
	assert_int_equal(storm_start(&storm, STORM_MAX_MS + 1, &client), -1);
	assert_int_equal(raises, 0);
	assert_int_equal(storm_start(&storm, STORM_MAX_MS, &client), 0);
	assert_int_equal(storm_start(&storm, 5, &client), -1);
	assert_int_equal(raises, 1);
}

/* The shell's `storm` (storm_commands.h) on a shell with no console:
 * its answers land in `said`; the report at the end is a message nobody
 * asked for, which such a shell counts instead of showing. */
static char said[512];

static void answered(void *ctx, struct shell *sh)
{
	(void)ctx;
	snprintf(said, sizeof(said), "%.*s", (int)sh->out_len, sh->out);
	sh->out_len = 0;
}

static void type_line(struct shell *sh, const char *line)
{
	snprintf(sh->line, sizeof(sh->line), "%s", line);
	said[0] = '\0';
	shell_run_line(sh);
}

static void test_the_storm_command(void **state)
{
	(void)state;
	static struct shell sh;
	static struct storm_commands cmds;

	shell_init_console_less(&sh, answered, NULL);
	storm_commands_init(&cmds, &storm);
	shell_register(&sh, &cmds.set);
	type_line(&sh, "storm 0");
	assert_string_equal(said, "storm: usage: storm <ms>, ms from 1 to 60000\n");
	type_line(&sh, "storm 1");
	assert_string_equal(
		said, "storm: an interrupt that re-raises itself on every service, for 1 ms\n");
	type_line(&sh, "storm 1");
	assert_string_equal(said, "storm: one is already raging\n");
	assert_int_equal(sh.stats.errors, 2);
	while (loop_round(&fake_cpu))
		hw.now += 100;
	assert_false(storm_running(&storm));
	assert_int_equal(sh.stats.notes_dropped, 1); /* "storm: over: ..." */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_storm_reraises_until_its_deadline_then_reports, setup),
		cmocka_unit_test_setup(test_bad_durations_and_a_second_storm_are_refused, setup),
		cmocka_unit_test_setup(test_the_storm_command, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
