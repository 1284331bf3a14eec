/*
 * capsules/heartbeat.c, the worked example of docs/capsules.md, on the
 * host: the alarm mux runs over tests/unit/fake_alarm.h (a clock the test
 * sets, a deadline register the test reads), and the test plays the loop
 * (loop_round() for deferred calls; fake_alarm_knock() then
 * alarm_mux_service() for the timer's bit).
 *
 * Covered: changed() comes from the loop, never inside start/stop; beats
 * on the period's grid without drift; a late loop counts missed beats;
 * stop disarms the hardware (tickless); bad periods are refused without a
 * callback; requests before the loop coalesce into one report; a client
 * may call back in from changed() without recursion; no client is fine;
 * restart. Then the shell's `heartbeat` command, through the console.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/heartbeat.h"
#include "capsules/heartbeat_commands.h"
#include "capsules/shell.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_screen.h"

#define TPS UINT64_C(1000000) /* 1 MHz fake clock: ticks are microseconds */
#define SECOND TPS
#define START (5 * SECOND) /* the clock when each test begins */

static struct fake_alarm hw;
static struct alarm_mux mux;
static struct heartbeat hb;

/* --- a recording client ------------------------------------------------- */

struct recorder {
	unsigned changed_calls;
	struct heartbeat_status last;
	unsigned beats;
	char line[HEARTBEAT_LINE_MAX + 1];
	bool stop_when_on; /* call heartbeat_stop() from inside changed() */
	bool inside;       /* set while changed() runs, to catch recursion */
};

static struct recorder rec;

static void rec_changed(void *ctx, const struct heartbeat_status *st)
{
	struct recorder *r = ctx;

	assert_false(r->inside);
	r->inside = true;
	r->changed_calls++;
	r->last = *st;
	if (r->stop_when_on && st->on)
		heartbeat_stop(&hb);
	r->inside = false;
}

static void rec_beat(void *ctx, const char *line, size_t len)
{
	struct recorder *r = ctx;

	assert_true(len < sizeof(r->line));
	assert_int_equal(line[len - 1], '\n');
	memcpy(r->line, line, len); /* lent: copy it to keep it */
	r->line[len] = '\0';
	r->beats++;
}

static struct heartbeat_client client = { .ctx = &rec, .changed = rec_changed, .beat = rec_beat };

/* --- playing the loop --------------------------------------------------- */

static void reset_system(void)
{
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	memset(&rec, 0, sizeof(rec));
	fake_alarm_init(&hw, TPS, START);
	alarm_mux_init(&mux, &hw.hil);
}

static int setup(void **state)
{
	(void)state;
	reset_system();
	heartbeat_init(&hb, &mux);
	heartbeat_set_client(&hb, &client);
	loop_verify();
	return 0;
}

/* Deferred calls only: the timer's bit is the test's to knock. */
static unsigned run_loop(void)
{
	unsigned rounds = 0;

	while (loop_round(&fake_cpu))
		assert_true(++rounds < 20);
	return rounds;
}

/* The timer interrupt, `late` ticks after the armed deadline. */
static void timer_fires(uint64_t late)
{
	assert_true(hw.armed);
	hw.now = hw.deadline + late;
	fake_alarm_knock(&hw);
	alarm_mux_service(&mux);
}

/* --- the capsule -------------------------------------------------------- */

static void test_changed_comes_from_the_loop_not_from_inside_start(void **state)
{
	(void)state;
	assert_int_equal(heartbeat_start(&hb, 2), 0);
	/* Nothing called back yet: only the deferred call's bit is set. */
	assert_int_equal(rec.changed_calls, 0);
	assert_int_not_equal(fake_cpu.pending, 0);
	assert_true(hw.armed);
	assert_int_equal(hw.deadline, START + 2 * SECOND);

	assert_int_equal(run_loop(), 1);
	assert_int_equal(rec.changed_calls, 1);
	assert_true(rec.last.on);
	assert_int_equal(rec.last.period_s, 2);
	assert_int_equal(rec.last.beats, 0);
	assert_int_equal(rec.beats, 0);
}

static void test_beats_on_the_grid_without_drift(void **state)
{
	(void)state;
	heartbeat_start(&hb, 2);
	run_loop();
	for (unsigned i = 1; i <= 3; i++) {
		/* The loop answers 300 us late every time... */
		timer_fires(300);
		assert_int_equal(rec.beats, i);
		char want[HEARTBEAT_LINE_MAX];
		snprintf(want, sizeof(want), "heartbeat %u: up %u.000 s (every 2 s, missed 0)\n", i,
			 5 + 2 * i);
		assert_string_equal(rec.line, want);
		/* ...and the next deadline is still on the grid, not now + 2 s. */
		assert_int_equal(hw.deadline, START + (i + 1) * 2 * SECOND);
	}
	/* Beats are not reports: changed() ran once, for the start. */
	assert_int_equal(rec.changed_calls, 1);
}

static void test_a_late_loop_counts_missed_beats(void **state)
{
	(void)state;
	heartbeat_start(&hb, 2);
	run_loop();
	/* 5 s late: the grid points at +4 s and +6 s have passed too. */
	timer_fires(5 * SECOND);
	assert_int_equal(rec.beats, 1);
	assert_string_equal(rec.line, "heartbeat 1: up 12.000 s (every 2 s, missed 2)\n");
	assert_int_equal(hw.deadline, START + 8 * SECOND);

	struct heartbeat_status st;
	heartbeat_get_status(&hb, &st);
	assert_int_equal(st.beats, 1);
	assert_int_equal(st.missed, 2);
}

static void test_stop_disarms_the_hardware_and_reports_the_beats(void **state)
{
	(void)state;
	heartbeat_start(&hb, 1);
	run_loop();
	timer_fires(0);
	timer_fires(0);
	uint64_t disarms = hw.disarm_calls;

	heartbeat_stop(&hb);
	/* No alarm left: the mux disarmed the hardware (tickless). */
	assert_false(hw.armed);
	assert_int_equal(hw.disarm_calls, disarms + 1);
	assert_int_equal(rec.changed_calls, 1);
	run_loop();
	assert_int_equal(rec.changed_calls, 2);
	assert_false(rec.last.on);
	assert_int_equal(rec.last.period_s, 0);
	assert_int_equal(rec.last.beats, 2);

	/* A stray timer service finds nothing to fire. */
	hw.now += 10 * SECOND;
	alarm_mux_service(&mux);
	assert_int_equal(rec.beats, 2);
}

static void test_bad_periods_are_refused_without_a_callback(void **state)
{
	(void)state;
	assert_int_equal(heartbeat_start(&hb, 0), -1);
	assert_int_equal(heartbeat_start(&hb, HEARTBEAT_MAX_PERIOD_S + 1), -1);
	assert_int_equal(fake_cpu.pending, 0);
	assert_int_equal(run_loop(), 0);
	assert_int_equal(rec.changed_calls, 0);
	assert_false(hw.armed);
	assert_int_equal(hb.stats.refused, 2);
	assert_int_equal(hb.stats.requests, 0);
	/* The largest period is accepted. */
	assert_int_equal(heartbeat_start(&hb, HEARTBEAT_MAX_PERIOD_S), 0);
	assert_int_equal(hw.deadline, START + HEARTBEAT_MAX_PERIOD_S * SECOND);
}

static void test_requests_before_the_loop_coalesce_into_one_report(void **state)
{
	(void)state;
	heartbeat_start(&hb, 1);
	heartbeat_start(&hb, 5);
	heartbeat_stop(&hb);
	assert_int_equal(run_loop(), 1);
	/* One bit, one call: the state as it is now, not each request. */
	assert_int_equal(rec.changed_calls, 1);
	assert_false(rec.last.on);
	assert_int_equal(hb.stats.requests, 3);
	assert_int_equal(hb.stats.reports, 1);
	assert_false(hw.armed);

	heartbeat_start(&hb, 5);
	run_loop();
	assert_int_equal(rec.changed_calls, 2);
	assert_true(rec.last.on);
	assert_int_equal(rec.last.period_s, 5);
}

static void test_a_client_may_call_in_from_changed_without_recursion(void **state)
{
	(void)state;
	rec.stop_when_on = true;
	heartbeat_start(&hb, 1);
	/* Round 1: changed(on), which stops; round 2: changed(off). Had stop
	 * called changed() itself, rec_changed would have seen `inside`. */
	assert_int_equal(run_loop(), 2);
	assert_int_equal(rec.changed_calls, 2);
	assert_false(rec.last.on);
	assert_false(hw.armed);
}

static void test_no_client_is_fine(void **state)
{
	(void)state;
	reset_system();
	heartbeat_init(&hb, &mux);
	heartbeat_start(&hb, 1);
	run_loop();
	timer_fires(0);
	assert_int_equal(hb.stats.reports, 1);
	assert_int_equal(hb.alarm.fired, 1);
	assert_int_equal(rec.changed_calls + rec.beats, 0);
}

static void test_restart_changes_the_period_and_restarts_the_count(void **state)
{
	(void)state;
	heartbeat_start(&hb, 2);
	run_loop();
	timer_fires(0);
	timer_fires(0);
	assert_int_equal(rec.beats, 2);
	/* At START + 4 s: every 3 s from now, counting from 1 again. */
	heartbeat_start(&hb, 3);
	run_loop();
	assert_true(rec.last.on);
	assert_int_equal(rec.last.period_s, 3);
	assert_int_equal(rec.last.beats, 0);
	assert_int_equal(hw.deadline, START + 7 * SECOND);
	timer_fires(0);
	assert_string_equal(rec.line, "heartbeat 1: up 12.000 s (every 3 s, missed 0)\n");
}

/* --- the shell's `heartbeat` command ------------------------------------ */

static struct console con;
static struct shell sh;
static struct heartbeat_commands heartbeat_cmds;

static void start_shell(bool with_heartbeat)
{
	reset_system();
	console_init(&con, NULL, &fake_screen);
	heartbeat_init(&hb, &mux);
	shell_init(&sh, &con);
	if (with_heartbeat) {
		heartbeat_commands_init(&heartbeat_cmds, &hb);
		shell_register(&sh, &heartbeat_cmds.set);
	}
	loop_verify();
	shell_start(&sh);
	run_loop();
}

static int setup_shell(void **state)
{
	(void)state;
	start_shell(true);
	return 0;
}

/* Type a line and let the loop answer; returns the screen from the echo on. */
static const char *type(const char *line)
{
	fake_screen_clear();
	for (const char *p = line; *p; p++)
		console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = *p });
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_ENTER });
	run_loop();
	return fake_screen_text;
}

/* A message printed above the prompt "knock> " (input line empty): the
 * console wipes the prompt, prints, and draws the prompt again. */
#define ABOVE_PROMPT(msg) "\r       \r" msg "knock> "

static void test_shell_heartbeat_on_reports_after_the_prompt(void **state)
{
	(void)state;
	/* The command's own answer is empty and its prompt comes first; the
	 * report follows from the heartbeat's deferred call. */
	assert_string_equal(type("heartbeat on 2"),
			    "heartbeat on 2\nknock> " ABOVE_PROMPT("heartbeat: on, every 2 s\n"));
	assert_int_equal(hw.deadline, START + 2 * SECOND);

	fake_screen_len = 0;
	timer_fires(0);
	assert_string_equal(fake_screen_text,
			    ABOVE_PROMPT("heartbeat 1: up 7.000 s (every 2 s, missed 0)\n"));

	assert_string_equal(type("heartbeat"),
			    "heartbeat\nheartbeat: on, every 2 s; beats 1, missed 0\nknock> ");
	assert_string_equal(type("heartbeat off"),
			    "heartbeat off\nknock> " ABOVE_PROMPT("heartbeat: off (1 beat)\n"));
	assert_false(hw.armed);
	assert_string_equal(type("heartbeat"), "heartbeat\nheartbeat: off\nknock> ");
	/* Without a number: every second. */
	assert_string_equal(type("heartbeat on"),
			    "heartbeat on\nknock> " ABOVE_PROMPT("heartbeat: on, every 1 s\n"));
}

static void test_shell_heartbeat_bad_arguments(void **state)
{
	(void)state;
	static const char *const bad[] = { "heartbeat on 0",  "heartbeat on 3601",
					   "heartbeat on x",  "heartbeat on 2 3",
					   "heartbeat maybe", "heartbeat off now" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[160];
		snprintf(want, sizeof(want),
			 "%s\nheartbeat: usage: heartbeat [on [seconds] | off], seconds from 1 "
			 "to 3600\nknock> ",
			 bad[i]);
		assert_string_equal(type(bad[i]), want);
	}
	assert_int_equal(sh.stats.errors, sizeof(bad) / sizeof(bad[0]));
	assert_false(hw.armed);
	assert_int_equal(hb.stats.requests, 0);
}

static void test_shell_without_the_heartbeat_set_does_not_know_it(void **state)
{
	(void)state;
	start_shell(false);
	assert_string_equal(type("heartbeat on"),
			    "heartbeat on\nerror: unknown command 'heartbeat' (type 'help' for the "
			    "list)\nknock> ");
	assert_int_equal(hb.stats.requests, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_changed_comes_from_the_loop_not_from_inside_start,
				       setup),
		cmocka_unit_test_setup(test_beats_on_the_grid_without_drift, setup),
		cmocka_unit_test_setup(test_a_late_loop_counts_missed_beats, setup),
		cmocka_unit_test_setup(test_stop_disarms_the_hardware_and_reports_the_beats, setup),
		cmocka_unit_test_setup(test_bad_periods_are_refused_without_a_callback, setup),
		cmocka_unit_test_setup(test_requests_before_the_loop_coalesce_into_one_report,
				       setup),
		cmocka_unit_test_setup(test_a_client_may_call_in_from_changed_without_recursion,
				       setup),
		cmocka_unit_test(test_no_client_is_fine),
		cmocka_unit_test_setup(test_restart_changes_the_period_and_restarts_the_count,
				       setup),
		cmocka_unit_test_setup(test_shell_heartbeat_on_reports_after_the_prompt,
				       setup_shell),
		cmocka_unit_test_setup(test_shell_heartbeat_bad_arguments, setup_shell),
		cmocka_unit_test(test_shell_without_the_heartbeat_set_does_not_know_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
