/*
 * The load capsules, over the alarm mux and a fake hardware alarm (one
 * tick = one microsecond), with the loop played by the test:
 * - alarm flood: the documented generator, every alarm fired once and in
 *   deadline order, the result from the loop; the checker catches an
 *   out-of-order or repeated firing; the watchdog reports a missing one.
 * - busy: each burn is one callback at least `ms` long, `times` of them,
 *   spaced by the gap; stop ends them.
 * - their shell commands (alarm_flood_commands.h, busy_commands.h) on a
 *   console-less shell: `alarms flood` reaches the flood's set although
 *   `alarms` is the alarm set's, and answers only when the flood is over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_commands.h"
#include "capsules/lab/alarm_flood.h"
#include "capsules/lab/alarm_flood_commands.h"
#include "capsules/alarm_mux.h"
#include "capsules/lab/busy.h"
#include "capsules/lab/busy_commands.h"
#include "capsules/shell.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "fake_alarm.h"
#include "fake_arch.h"

#define TIMER_BIT 0

static struct fake_alarm hw;
static struct alarm_mux mux;
static struct alarm_flood flood;
static struct busy busy;
static struct alarm_flood_result result;
static unsigned done_calls;
static bool starting;

static void done(void *ctx, const struct alarm_flood_result *r)
{
	(void)ctx;
	assert_false(starting);
	result = *r;
	done_calls++;
}

static const struct alarm_flood_client client = { .ctx = NULL, .done = done };

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_alarm_init(&hw, 1000000, 5000);
	alarm_mux_init(&mux, &hw.hil);
	loop_declare_interrupt(TIMER_BIT, "timer");
	loop_set_client(TIMER_BIT, "alarm_mux", alarm_mux_service, &mux);
	alarm_flood_init(&flood, &mux);
	busy_init(&busy, &mux);
	done_calls = 0;
	return 0;
}

/* Play the loop until nothing is pending and no alarm is armed, or until
 * `until` ticks: rounds while bits are pending, else sleep to the armed
 * deadline (`late` ticks late) and knock the timer bit. */
static void run(uint64_t until, uint64_t late)
{
	for (unsigned guard = 0; guard < 1000000; guard++) {
		if (fake_cpu.pending) {
			loop_round(&fake_cpu);
			continue;
		}
		if (!hw.armed || (int64_t)(hw.deadline - until) > 0)
			return;
		if ((int64_t)(hw.now - hw.deadline) < 0)
			hw.now = hw.deadline;
		hw.now += late;
		fake_alarm_knock(&hw);
		pending_set(&fake_cpu, TIMER_BIT);
	}
	fail_msg("the loop never went idle");
}

static void test_generator_is_xorshift32(void **state)
{
	(void)state;
	assert_int_equal(alarm_flood_next(1), 270369u);
	uint32_t x = 42;
	const uint32_t want[] = { 11355432u, 2836018348u, 476557059u };
	for (int i = 0; i < 3; i++) {
		x = alarm_flood_next(x);
		assert_int_equal(x, want[i]);
	}
}

static void test_flood_fires_all_in_deadline_order(void **state)
{
	(void)state;
	hw.now_step = 3; /* setting them takes time, as on real hardware */
	starting = true;
	assert_int_equal(alarm_flood_start(&flood, 200, 500, 42, &client), 0);
	starting = false;
	assert_int_equal(alarm_flood_start(&flood, 1, 1, 1, &client), -1); /* one at a time */
	hw.now_step = 0;
	run(UINT64_MAX / 2, 7);

	assert_int_equal(done_calls, 1);
	assert_int_equal(result.count, 200);
	assert_int_equal(result.fired, 200);
	assert_int_equal(result.twice, 0);
	assert_int_equal(result.out_of_order, 0);
	assert_int_equal(result.missing, 0);
	assert_int_equal(result.order_len, 200);
	assert_true(result.max_late_us >= 7);

	/* Every index once; deadlines never go down; each deadline is its
	 * generated delay after the moment it was set. */
	bool seen[200] = { false };
	uint64_t prev = 0;
	uint32_t x = 42;
	uint32_t delay_ms[200];
	for (unsigned i = 0; i < 200; i++) {
		x = alarm_flood_next(x);
		delay_ms[i] = 1 + x % 500;
	}
	for (unsigned k = 0; k < 200; k++) {
		unsigned i = result.order[k];
		assert_true(i < 200);
		assert_false(seen[i]);
		seen[i] = true;
		uint64_t d = alarm_flood_deadline_us(&flood, i);
		assert_true(d >= prev);
		prev = d;
		assert_true(d >= delay_ms[i] * 1000ull);
		assert_true(d <= delay_ms[i] * 1000ull + result.set_us);
	}
	assert_false(alarm_is_armed(&mux, &flood.watchdog));
}

static void test_checker_catches_repeats_and_disorder(void **state)
{
	(void)state;
	assert_int_equal(alarm_flood_start(&flood, 3, 100, 1, &client), 0);
	/* Play a broken mux: fire alarm 2, then alarm 0 with an earlier
	 * deadline, then alarm 2 again. */
	struct alarm_flood_entry *e = flood.entries;
	struct alarm a2 = e[2].alarm, a0 = e[0].alarm;
	alarm_cancel(&mux, &e[0].alarm);
	alarm_cancel(&mux, &e[1].alarm);
	alarm_cancel(&mux, &e[2].alarm);
	a2.last_deadline = 2000;
	a0.last_deadline = 1000;
	e[2].alarm.fired_fn(e[2].alarm.ctx, &a2);
	e[0].alarm.fired_fn(e[0].alarm.ctx, &a0);
	e[2].alarm.fired_fn(e[2].alarm.ctx, &a2);
	assert_int_equal(flood.result.out_of_order, 1);
	assert_int_equal(flood.result.twice, 1);
	assert_int_equal(flood.result.fired, 2);
	/* Alarm 1 never fires: the watchdog ends the flood. */
	run(UINT64_MAX / 2, 0);
	assert_int_equal(done_calls, 1);
	assert_int_equal(result.missing, 1);
	assert_int_equal(result.order_len, 3);
}

static void test_flood_arguments(void **state)
{
	(void)state;
	assert_int_equal(alarm_flood_start(&flood, 0, 10, 1, &client), -1);
	assert_int_equal(alarm_flood_start(&flood, ALARM_FLOOD_MAX + 1, 10, 1, &client), -1);
	assert_int_equal(alarm_flood_start(&flood, 1, 0, 1, &client), -1);
	assert_int_equal(alarm_flood_start(&flood, 1, ALARM_FLOOD_MAX_MS + 1, 1, &client), -1);
	assert_int_equal(alarm_flood_start(&flood, 1, 10, 1, NULL), -1);
	assert_int_equal(alarm_flood_start(&flood, ALARM_FLOOD_MAX, 10, 0, &client), 0);
	run(UINT64_MAX / 2, 0);
	assert_int_equal(result.fired, ALARM_FLOOD_MAX);
}

static void test_busy_burns_in_one_callback_each(void **state)
{
	(void)state;
	struct busy_status st;

	hw.now_step = 1; /* every clock read takes a microsecond */
	assert_int_equal(busy_start(&busy, 2, 3, 5), 0);
	/* The first burn is one round: the busy bit's single callback. */
	uint64_t t0 = hw.now;
	loop_round(&fake_cpu);
	assert_true(hw.now - t0 >= 2000);
	busy_get_status(&busy, &st);
	assert_int_equal(st.burns, 1);
	assert_int_equal(st.left, 2);
	assert_true(st.longest_us >= 2000 && st.longest_us < 2100);
	assert_true(alarm_is_armed(&mux, &busy.gap));
	/* The gap: the next burn waits for the alarm. */
	assert_true(hw.deadline - hw.now >= 4900);
	run(UINT64_MAX / 2, 0);
	busy_get_status(&busy, &st);
	assert_int_equal(st.burns, 3);
	assert_false(st.running);

	assert_int_equal(busy_start(&busy, 1, 100, 1), 0);
	loop_round(&fake_cpu);
	busy_stop(&busy);
	run(UINT64_MAX / 2, 0);
	busy_get_status(&busy, &st);
	assert_int_equal(st.burns, 4);
	assert_int_equal(busy_start(&busy, 0, 1, 0), -1);
	assert_int_equal(busy_start(&busy, BUSY_MAX_MS + 1, 1, 0), -1);
	assert_int_equal(busy_start(&busy, 1, 0, 0), -1);
}

/* A shell with no console: each finished answer lands in `said`. */
static char said[4096];
static unsigned answers;

static void answered(void *ctx, struct shell *sh)
{
	(void)ctx;
	snprintf(said, sizeof(said), "%.*s", (int)sh->out_len, sh->out);
	sh->out_len = 0;
	answers++;
}

static void type_line(struct shell *sh, const char *line)
{
	snprintf(sh->line, sizeof(sh->line), "%s", line);
	said[0] = '\0';
	shell_run_line(sh);
}

static void test_load_commands_through_the_shell(void **state)
{
	(void)state;
	static struct shell sh;
	static struct alarm_commands alarm_cmds;
	static struct alarm_flood_commands flood_cmds;
	static struct busy_commands busy_cmds;

	shell_init_console_less(&sh, answered, NULL);
	alarm_commands_init(&alarm_cmds, &mux);
	alarm_flood_commands_init(&flood_cmds, &flood);
	busy_commands_init(&busy_cmds, &busy);
	shell_register(&sh, &alarm_cmds.set);
	shell_register(&sh, &flood_cmds.set);
	shell_register(&sh, &busy_cmds.set);

	answers = 0;
	type_line(&sh, "alarms flood 3 10 1");
	assert_int_equal(answers, 0); /* answered when the flood is over */
	run(UINT64_MAX / 2, 0);
	assert_int_equal(answers, 1);
	assert_non_null(strstr(said, "alarms flood: 3 set in "));
	assert_non_null(strstr(said, " 3 fired, 0 twice, 0 out of order, 0 missing"));
	assert_non_null(strstr(said, "\nalarms flood: fired "));
	type_line(&sh, "alarms flood 0 10");
	assert_string_equal(said, "alarms: usage: alarms flood <count> <max_ms> [seed], count "
				  "1..256, max_ms 1..60000\n");
	/* `alarms` itself is still the alarm set's. */
	type_line(&sh, "alarms");
	assert_string_equal(said, "no alarms (set one with 'alarm <ms> [periodic]')\n");
	type_line(&sh, "alarms floods");
	assert_string_equal(said, "alarms: usage: alarms [cancel <id>]\n");

	type_line(&sh, "busy 1");
	assert_string_equal(said, "busy: 1 callback of 1 ms, 0 ms apart\n");
	type_line(&sh, "busy stop");
	assert_string_equal(said, "busy: stopped\n");
	type_line(&sh, "busy 0");
	assert_string_equal(said, "busy: usage: busy [log] <ms> [times [gap_ms]] | busy stop; "
				  "ms 1..10000; log on cpu 0 only\n");
	type_line(&sh, "busy log 1");
	assert_string_equal(said, "busy: 1 callback of 1 ms, 0 ms apart, logging\n");
	type_line(&sh, "busy log");
	assert_string_equal(said, "busy: usage: busy [log] <ms> [times [gap_ms]] | busy stop; "
				  "ms 1..10000; log on cpu 0 only\n");
	assert_int_equal(sh.stats.errors, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_generator_is_xorshift32, setup),
		cmocka_unit_test_setup(test_flood_fires_all_in_deadline_order, setup),
		cmocka_unit_test_setup(test_checker_catches_repeats_and_disorder, setup),
		cmocka_unit_test_setup(test_flood_arguments, setup),
		cmocka_unit_test_setup(test_load_commands_through_the_shell, setup),
		cmocka_unit_test_setup(test_busy_burns_in_one_callback_each, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
