/*
 * capsules/shell.c driven the way a user drives it: keys into the console,
 * answers read back from the (fake) screen. The alarm mux runs on a fake
 * hardware alarm whose clock the test sets; the keyboard capsule gets its
 * bytes from a fake PS/2 port.
 *
 * Covered: the registry of command sets (a set's commands in help and
 * dispatch, grouped by set; a duplicate name panics naming both sets; a
 * subcommand another set adds; a set not registered is an unknown
 * command), greeting and prompt from the loop, every command's answer of
 * the sets registered here (alarms, keyboard, reboot, fault), one-line
 * errors with the prompt back for unknown commands and bad arguments,
 * alarms firing above the prompt, cancel, reboot after the answer is out,
 * the fault hook, and a long answer through a slow UART (waits for room,
 * loses nothing, prompt last).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_commands.h"
#include "capsules/lab/fault_commands.h"
#include "capsules/keyboard_commands.h"
#include "capsules/reboot_commands.h"
#include "capsules/shell.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_log.h"
#include "fake_screen.h"

/* --- fakes --------------------------------------------------------------- */

/* A 1 MHz clock: ticks are microseconds. */
static struct fake_alarm fa;

static struct hil_ps2_client ps2_client;

static void ps2_set_client(void *hw, const struct hil_ps2_client *c)
{
	(void)hw;
	ps2_client = *c;
}

static void ps2_service(void *hw)
{
	(void)hw;
}

static int ps2_send(void *hw, uint8_t b)
{
	(void)hw;
	(void)b;
	return 0;
}

static const struct hil_ps2 fake_ps2 = {
	.hw = NULL,
	.set_client = ps2_set_client,
	.service = ps2_service,
	.send = ps2_send,
};

static unsigned resets;

static _Noreturn void fake_reset(void *hw)
{
	(void)hw;
	resets++;
	mock_assert(0, "reset", __FILE__, __LINE__);
	__builtin_unreachable();
}

static const struct hil_reset reset_hil = { .hw = NULL, .reset = fake_reset };

static char fault_asked[32];

/* Like the real hook: "bp" resumes (true), other known kinds never come
 * back (not modelled), anything else is unknown (false). */
static bool fake_fault(const char *kind)
{
	snprintf(fault_asked, sizeof(fault_asked), "%s", kind);
	return strcmp(kind, "bp") == 0;
}

/* A UART that sends only when the test says (for the slow-UART test). */
static const struct hil_uart_client *uart_client;
static const uint8_t *uart_buf;
static size_t uart_len;
static char wire[1 << 16];
static size_t wire_len;

static void fu_set_client(void *hw, const struct hil_uart_client *c)
{
	(void)hw;
	uart_client = c;
}

static int fu_transmit(void *hw, const uint8_t *buf, size_t len)
{
	(void)hw;
	if (uart_buf)
		return -1;
	uart_buf = buf;
	uart_len = len;
	return 0;
}

static void fu_service(void *hw)
{
	(void)hw;
}

static const struct hil_uart slow_uart = {
	.hw = NULL,
	.set_client = fu_set_client,
	.transmit = fu_transmit,
	.service = fu_service,
};

static void uart_complete_all(void)
{
	while (uart_buf) {
		const uint8_t *b = uart_buf;
		memcpy(wire + wire_len, b, uart_len);
		wire_len += uart_len;
		wire[wire_len] = '\0';
		uart_buf = NULL;
		uart_client->transmitted(uart_client->ctx, b, uart_len);
		loop_round(&fake_cpu);
	}
}

/* --- the system under test ---------------------------------------------- */

static struct console con;
static struct alarm_mux mux;
static struct keyboard kb;
static struct shell sh;
static struct alarm_commands alarm_cmds;
static struct keyboard_commands keyboard_cmds;
static struct reboot_commands reboot_cmds;
static struct fault_commands fault_cmds;

static void run_loop(void)
{
	for (int i = 0; i < 20 && loop_round(&fake_cpu); i++)
		;
}

static void clear_screen(void)
{
	fake_screen_clear();
}

static void start(const struct hil_uart *uart, bool with_keyboard, bool with_clock)
{
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	clear_screen();
	fake_alarm_init(&fa, 1000000, 5000000);
	resets = 0;
	fault_asked[0] = '\0';
	uart_buf = NULL;
	wire_len = 0;
	console_init(&con, uart, &fake_screen);
	alarm_mux_init(&mux, &fa.hil);
	if (with_keyboard)
		keyboard_init(&kb, &fake_ps2, &keymap_us, NULL);
	shell_init(&sh, &con);
	/* As a board does: each capsule's set, registered in one place. */
	if (with_clock) {
		alarm_commands_init(&alarm_cmds, &mux);
		shell_register(&sh, &alarm_cmds.set);
	}
	if (with_keyboard) {
		keyboard_commands_init(&keyboard_cmds, &kb);
		shell_register(&sh, &keyboard_cmds.set);
	}
	reboot_commands_init(&reboot_cmds, &reset_hil, with_clock ? &mux : NULL);
	shell_register(&sh, &reboot_cmds.set);
	fault_commands_init(&fault_cmds, fake_fault, "pf ud");
	shell_register(&sh, &fault_cmds.set);
	shell_start(&sh);
	run_loop();
}

static int setup(void **state)
{
	(void)state;
	start(NULL, false, true);
	return 0;
}

/* Type a line on the serial side and let the loop answer it; returns what
 * appeared on the screen from the echo on. */
static const char *type(const char *line)
{
	clear_screen();
	for (const char *p = line; *p; p++)
		console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = *p });
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_ENTER });
	run_loop();
	return fake_screen_text;
}

/* The answer: what came after the echoed line, without the new prompt. */
static const char *answer(const char *line)
{
	type(line);
	return fake_screen_answer(line, SHELL_PROMPT);
}

/* --- tests --------------------------------------------------------------- */

static void test_greeting_and_prompt_come_from_the_loop(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	clear_screen();
	console_init(&con, NULL, &fake_screen);
	shell_init(&sh, &con);
	shell_start(&sh);
	assert_int_equal(fake_screen_len, 0);
	run_loop();
	assert_string_equal(fake_screen_text, "knock shell: type 'help' for the commands\nknock> ");
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(answer("version"), "knock " KNOCK_VERSION "\n");
}

static void test_empty_line_gives_just_a_prompt(void **state)
{
	(void)state;
	assert_string_equal(answer(""), "");
	assert_string_equal(answer("   "), "");
}

static void test_unknown_command_is_one_line_and_prompt_comes_back(void **state)
{
	(void)state;
	assert_string_equal(answer("frobnicate now"),
			    "error: unknown command 'frobnicate' (type 'help' for the list)\n");
	assert_string_equal(answer("echo \"open"), "error: a \" is not closed\n");
	assert_string_equal(answer("1 2 3 4 5 6 7 8 9"), "error: too many words (at most 8)\n");
	assert_int_equal(sh.stats.errors, 3);
	assert_string_equal(answer("version"), "knock " KNOCK_VERSION "\n");
}

static void test_help_lists_every_command(void **state)
{
	(void)state;
	const char *text = answer("help");
	static const char *const names[] = { "help",  "version", "echo",   "uptime",
					     "alarm", "alarms",  "reboot", "fault" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char needle[32];
		snprintf(needle, sizeof(needle), "\n  %s ", names[i]);
		assert_non_null(strstr(text, needle));
	}
}

static void test_echo(void **state)
{
	(void)state;
	assert_string_equal(answer("echo hello   world"), "hello world\n");
	assert_string_equal(answer("echo \"two  spaces\""), "two  spaces\n");
	assert_string_equal(answer("echo"), "\n");
}

static void test_uptime_from_the_alarm_clock(void **state)
{
	(void)state;
	fa.now = 61500000;
	assert_string_equal(answer("uptime"), "up 0:01:01.500 (61500000 us)\n");
}

static void test_a_set_not_registered_is_unknown(void **state)
{
	(void)state;
	start(NULL, false, false);
	assert_string_equal(answer("uptime"),
			    "error: unknown command 'uptime' (type 'help' for the list)\n");
	assert_string_equal(answer("alarm 10"),
			    "error: unknown command 'alarm' (type 'help' for the list)\n");
	assert_null(strstr(answer("help"), "uptime"));
	assert_int_equal(sh.stats.errors, 2);
}

static void test_alarm_bad_arguments(void **state)
{
	(void)state;
	const char *usage = "alarm: usage: alarm <ms> [periodic], ms from 1 to 86400000\n";
	assert_string_equal(answer("alarm"), usage);
	assert_string_equal(answer("alarm 0"), usage);
	assert_string_equal(answer("alarm ten"), usage);
	assert_string_equal(answer("alarm -5"), usage);
	assert_string_equal(answer("alarm 86400001"), usage);
	assert_string_equal(answer("alarm 100 weekly"), usage);
	assert_string_equal(answer("alarm 100 periodic extra"), usage);
	assert_string_equal(answer("alarm 5 periodic"),
			    "alarm: a periodic alarm needs at least 10 ms\n");
	assert_false(fa.armed);
}

static void test_alarm_fires_above_the_prompt(void **state)
{
	(void)state;
	assert_string_equal(answer("alarm 100"), "alarm 1: fires in 100 ms\n");
	assert_true(fa.armed);
	assert_int_equal(fa.deadline, 5000000 + 100000);
	/* The user has started typing when it fires. */
	clear_screen();
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = 'u' });
	fa.now = fa.deadline + 35;
	fake_alarm_knock(&fa); /* the one-shot knocks: its count is spent */
	alarm_mux_service(&mux);
	assert_string_equal(fake_screen_text,
			    "u\r        \ralarm 1 fired 100.035 ms after it was set (asked "
			    "100 ms, late 35 us)\nknock> u");
	assert_false(fa.armed);
	/* A one-shot frees its slot. */
	assert_string_equal(answer("ptime"), "up 0:00:05.100 (5100035 us)\n");
	assert_string_equal(answer("alarms"), "no alarms (set one with 'alarm <ms> [periodic]')\n");
}

static void test_periodic_alarm_list_and_cancel(void **state)
{
	(void)state;
	assert_string_equal(answer("alarm 10 periodic"), "alarm 1: fires every 10 ms\n");
	assert_string_equal(answer("alarm 2000"), "alarm 2: fires in 2000 ms\n");
	for (int i = 1; i <= 3; i++) {
		clear_screen();
		fa.now = 5000000 + (uint64_t)i * 10000;
		alarm_mux_service(&mux);
		char want[96];
		snprintf(want, sizeof(want), "alarm 1 fired #%d (every 10 ms, late 0 us, missed 0)",
			 i);
		assert_non_null(strstr(fake_screen_text, want));
	}
	/* At 5.030 s: the periodic one is due at 5.040, the other at 7.000. */
	const char *list = answer("alarms");
	assert_non_null(strstr(list, "  id  kind        every/in ms   due in ms   fired\n"));
	assert_non_null(strstr(list, "   1  periodic             10          10       3\n"));
	assert_non_null(strstr(list, "   2  one-shot           2000        1970       0\n"));
	assert_string_equal(answer("alarms cancel 1"), "alarm 1 cancelled\n");
	assert_string_equal(answer("alarms cancel 1"), "alarms: no alarm '1' (see 'alarms')\n");
	assert_string_equal(answer("alarms cancel x"), "alarms: no alarm 'x' (see 'alarms')\n");
	assert_string_equal(answer("alarms cancel 2"), "alarm 2 cancelled\n");
	assert_false(fa.armed); /* nothing left: the hardware is disarmed */
	assert_string_equal(answer("alarms drop"), "alarms: usage: alarms [cancel <id>]\n");
}

static void test_alarm_slots_run_out_with_a_message(void **state)
{
	(void)state;
	for (int i = 0; i < ALARM_COMMANDS_SLOTS; i++)
		answer("alarm 1000");
	assert_string_equal(
		answer("alarm 1000"),
		"alarm: all 8 alarms are in use (see 'alarms', 'alarms cancel <id>')\n");
	answer("alarms cancel 3");
	/* Ids are never reused; the refused one took none. */
	assert_string_equal(answer("alarm 1000"), "alarm 9: fires in 1000 ms\n");
}

static void test_fault_calls_the_board_hook(void **state)
{
	(void)state;
	assert_string_equal(answer("fault"), "fault: usage: fault <kind>, kinds: pf ud\n");
	assert_string_equal(fault_asked, "");
	/* The fake hook returns, as the real one does for an unknown kind. */
	assert_string_equal(answer("fault zz"), "fault: unknown kind 'zz'; kinds: pf ud\n");
	assert_string_equal(fault_asked, "zz");
	assert_string_equal(answer("fault bp"),
			    "fault: 'bp' was reported and the system resumed\n");
	assert_string_equal(fault_asked, "bp");
}

static void test_reboot_after_the_answer_is_out(void **state)
{
	(void)state;
	/* No prompt comes back: the machine is about to reset. */
	assert_string_equal(type("reboot"), "reboot\nrebooting\n");
	assert_int_equal(resets, 0);
	assert_true(fa.armed); /* a short delay lets the UART send the answer */
	assert_int_equal(fa.deadline, fa.now + REBOOT_COMMANDS_DELAY_MS * 1000);
	fa.now = fa.deadline;
	expect_assert_failure(alarm_mux_service(&mux));
	assert_int_equal(resets, 1);
}

static void test_keys_shows_recent_keyboard_input(void **state)
{
	(void)state;
	start(NULL, true, true);
	assert_string_equal(answer("keys"),
			    "no keyboard input yet\n"
			    "bytes 0, key events 0, unknown 0, broken sequences 0\n");
	static const uint8_t bytes[] = { 0x1e, 0x9e, 0xe0, 0x4b, 0xe0, 0xcb };
	/* The keyboard's key events go to nobody here; the ring keeps them. */
	ps2_client.received(ps2_client.ctx, bytes, sizeof(bytes));
	const char *text = answer("keys");
	assert_non_null(strstr(text, "last 4 keyboard events, oldest first"));
	assert_non_null(strstr(text, "A down"));
	assert_non_null(strstr(text, "Left up"));
	assert_non_null(strstr(text, "bytes 6, key events 4"));
}

static void test_long_answer_through_a_slow_uart_loses_nothing(void **state)
{
	(void)state;
	start(&slow_uart, false, true);
	uart_complete_all();
	/* Fill the console so `help` cannot go out in one piece. */
	static char filler[CONSOLE_RING_SIZE];
	memset(filler, '.', sizeof(filler));
	console_write(&con, filler, sizeof(filler));
	wire_len = 0;
	clear_screen();
	for (const char *p = "help"; *p; p++)
		console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = *p });
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_ENTER });
	run_loop();
	assert_true(sh.stats.room_waits > 0);
	/* No prompt before the whole answer is out. */
	assert_null(strstr(fake_screen_text, "knock> "));
	uart_complete_all();
	const char *prompt = strstr(fake_screen_text, "knock> ");
	assert_non_null(prompt);
	assert_non_null(strstr(fake_screen_text, "  fault "));
	assert_true(strstr(fake_screen_text, "  fault ") < prompt);
	/* The serial line got the same answer, in order, with CRLF. */
	assert_non_null(strstr(wire, "commands:\r\nshell:\r\n  help "));
	assert_non_null(strstr(wire, "(for tests)\r\nknock> "));
	assert_int_equal(con.stats.lines_dropped, 0);
}

/* --- the registry ------------------------------------------------------- */

/* A capsule's commands as a test defines them: each run records which
 * command of which set ran, with what words. */
struct probe_state {
	const char *set;
	char ran[128];
};

static void probe_run(struct shell *shp, void *ctx, int argc, char **argv)
{
	struct probe_state *p = ctx;
	size_t n = (size_t)snprintf(p->ran, sizeof(p->ran), "%s:", p->set);
	for (int i = 0; i < argc && n < sizeof(p->ran); i++)
		n += (size_t)snprintf(p->ran + n, sizeof(p->ran) - n, " %s", argv[i]);
	shell_say(shp, "%s\n", p->ran);
}

static const struct shell_command greet_cmds[] = {
	{ "hello", "<name>", "say hello", probe_run },
	{ "tool", "[x]", "a tool", probe_run },
};
static const struct shell_command other_cmds[] = {
	{ "bye", "", "say bye", probe_run },
	{ "tool sub", "<y>", "a tool's subcommand from another set", probe_run },
	{ "tool stop", "", "a subcommand that takes nothing", probe_run },
};
static const struct shell_command clash_cmds[] = {
	{ "ok", "", "fine", probe_run },
	{ "echo", "", "already the shell's", probe_run },
};
static const struct shell_command self_clash_cmds[] = {
	{ "same", "", "one", probe_run },
	{ "same", "", "two", probe_run },
};

static struct probe_state greet_state = { .set = "greet" }, other_state = { .set = "other" };
static struct shell_command_set greet_set = {
	.name = "greetings", .cmds = greet_cmds, .count = 2, .ctx = &greet_state
};
static struct shell_command_set other_set = {
	.name = "others", .cmds = other_cmds, .count = 3, .ctx = &other_state
};

static void test_a_registered_set_is_in_help_and_dispatch(void **state)
{
	(void)state;
	assert_non_null(strstr(answer("hello x"), "unknown command 'hello'"));
	shell_register(&sh, &greet_set);
	assert_ptr_equal(greet_set.shell, &sh);
	const char *help = answer("help");
	assert_non_null(strstr(help, "\ngreetings:\n  hello     <name>                 say hello\n"
				     "  tool      [x]                    a tool\n"));
	/* Grouped by set, in registration order: the shell's own first. */
	assert_true(strncmp(help, "commands:\nshell:\n  help ", 24) == 0);
	assert_true(strstr(help, "\nfaults:\n") < strstr(help, "\ngreetings:\n"));
	uint64_t before = sh.stats.commands;
	assert_string_equal(answer("hello \"big world\""), "greet: hello big world\n");
	assert_int_equal(sh.stats.commands, before + 1);
}

static void test_two_disjoint_sets_both_work(void **state)
{
	(void)state;
	shell_register(&sh, &greet_set);
	shell_register(&sh, &other_set);
	assert_string_equal(answer("hello a"), "greet: hello a\n");
	assert_string_equal(answer("bye"), "other: bye\n");
	/* The name with the most words wins, whichever set has it. */
	assert_string_equal(answer("tool sub 3"), "other: tool sub 3\n");
	assert_string_equal(answer("tool subway"), "greet: tool subway\n");
	assert_string_equal(answer("tool"), "greet: tool\n");
	/* A quoted word is one word, never two of a name. */
	assert_string_equal(answer("\"tool sub\" 3"),
			    "error: unknown command 'tool sub' (type 'help' for the list)\n");
	assert_string_equal(answer("sub"),
			    "error: unknown command 'sub' (type 'help' for the list)\n");
	/* ... and the sets registered before them still answer. */
	assert_string_equal(answer("version"), "knock " KNOCK_VERSION "\n");
	assert_string_equal(answer("alarms cancel 9"), "alarms: no alarm '9' (see 'alarms')\n");
}

/* A command whose help shows no arguments refuses them, in the shell
 * itself, without running: it used to be each command's choice, and most
 * ignored what followed them. */
static void test_a_command_without_arguments_refuses_them(void **state)
{
	(void)state;
	shell_register(&sh, &other_set);
	uint64_t errors = sh.stats.errors, commands = sh.stats.commands;
	other_state.ran[0] = '\0';
	assert_string_equal(answer("version 2"), "version: usage: version (no arguments)\n");
	assert_string_equal(answer("bye now"), "bye: usage: bye (no arguments)\n");
	assert_string_equal(answer("tool stop now"),
			    "tool stop: usage: tool stop (no arguments)\n");
	assert_string_equal(other_state.ran, "");
	assert_int_equal(sh.stats.errors, errors + 3);
	assert_int_equal(sh.stats.commands, commands);
	/* Without them, they run; a command with arguments still gets them. */
	assert_string_equal(answer("tool stop"), "other: tool stop\n");
	assert_string_equal(answer("bye"), "other: bye\n");
	assert_string_equal(answer("tool sub 3"), "other: tool sub 3\n");
}

static void test_a_duplicate_name_panics_naming_both_sets(void **state)
{
	(void)state;
	static struct shell_command_set clash = { .name = "clashing",
						  .cmds = clash_cmds,
						  .count = 2 };
	static struct shell_command_set self_clash = { .name = "twice",
						       .cmds = self_clash_cmds,
						       .count = 2 };
	fake_log_clear();
	log_add_sink(fake_log_sink);
	expect_assert_failure(shell_register(&sh, &clash));
	assert_non_null(strstr(fake_log, "command 'echo' of set 'clashing' is already in set "
					 "'shell'"));
	panic_reset_for_test();
	fake_log_clear();
	expect_assert_failure(shell_register(&sh, &self_clash));
	assert_non_null(strstr(fake_log, "command 'same' of set 'twice' is already in set "
					 "'twice'"));
	panic_reset_for_test();
	log_remove_all_sinks();
	/* Neither was linked: the shell answers as before. */
	assert_non_null(strstr(answer("ok"), "unknown command 'ok'"));
	assert_string_equal(answer("echo x"), "x\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_and_prompt_come_from_the_loop),
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_empty_line_gives_just_a_prompt, setup),
		cmocka_unit_test_setup(test_unknown_command_is_one_line_and_prompt_comes_back,
				       setup),
		cmocka_unit_test_setup(test_help_lists_every_command, setup),
		cmocka_unit_test_setup(test_echo, setup),
		cmocka_unit_test_setup(test_uptime_from_the_alarm_clock, setup),
		cmocka_unit_test_setup(test_a_set_not_registered_is_unknown, setup),
		cmocka_unit_test_setup(test_alarm_bad_arguments, setup),
		cmocka_unit_test_setup(test_alarm_fires_above_the_prompt, setup),
		cmocka_unit_test_setup(test_periodic_alarm_list_and_cancel, setup),
		cmocka_unit_test_setup(test_alarm_slots_run_out_with_a_message, setup),
		cmocka_unit_test_setup(test_fault_calls_the_board_hook, setup),
		cmocka_unit_test_setup(test_reboot_after_the_answer_is_out, setup),
		cmocka_unit_test_setup(test_keys_shows_recent_keyboard_input, setup),
		cmocka_unit_test_setup(test_long_answer_through_a_slow_uart_loses_nothing, setup),
		cmocka_unit_test_setup(test_a_registered_set_is_in_help_and_dispatch, setup),
		cmocka_unit_test_setup(test_two_disjoint_sets_both_work, setup),
		cmocka_unit_test_setup(test_a_command_without_arguments_refuses_them, setup),
		cmocka_unit_test_setup(test_a_duplicate_name_panics_naming_both_sets, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
