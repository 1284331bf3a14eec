/*
 * capsules/shell.c driven the way a user drives it: keys into the console,
 * answers read back from the (fake) screen. The alarm mux runs on a fake
 * hardware alarm whose clock the test sets; the keyboard capsule gets its
 * bytes from a fake PS/2 port.
 *
 * Covered: greeting and prompt from the loop, every command's answer,
 * one-line errors with the prompt back for unknown commands and bad
 * arguments, alarms firing above the prompt, cancel, reboot after the
 * answer is out, the fault hook, and a long answer through a slow UART
 * (waits for room, loses nothing, prompt last).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/shell.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"

/* --- fakes --------------------------------------------------------------- */

static char screen[1 << 16];
static size_t screen_len;

static void screen_write(void *hw, const char *s, size_t n)
{
	(void)hw;
	assert_true(screen_len + n < sizeof(screen));
	memcpy(screen + screen_len, s, n);
	screen_len += n;
	screen[screen_len] = '\0';
}

static const struct hil_text_screen fake_screen = { .hw = NULL, .write = screen_write };

/* A 1 MHz clock: ticks are microseconds. */
static uint64_t clock_now;
static uint64_t armed_at;
static bool armed;

static uint64_t fa_now(void *hw)
{
	(void)hw;
	return clock_now;
}

static void fa_arm(void *hw, uint64_t deadline)
{
	(void)hw;
	armed = true;
	armed_at = deadline;
}

static void fa_disarm(void *hw)
{
	(void)hw;
	armed = false;
}

static const struct hil_alarm fake_alarm = {
	.hw = NULL,
	.ticks_per_second = 1000000,
	.now = fa_now,
	.arm = fa_arm,
	.disarm = fa_disarm,
};

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

static void read_counts(void *ctx, struct shell_irq_counts *out)
{
	const uint64_t *v = ctx;
	out->raised = v[0];
	out->serviced = v[1];
	out->drained = v[2];
	out->unit = "bytes";
}

static const uint64_t com1_counts[3] = { 7, 6, 42 };
static const struct shell_irq_source irq_sources[] = {
	{ "com1", read_counts, (void *)com1_counts },
};

static const struct shell_board board = {
	.reset = &reset_hil,
	.fault = fake_fault,
	.fault_kinds = "pf ud",
	.irq_sources = irq_sources,
	.irq_source_count = 1,
};

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

static void run_loop(void)
{
	for (int i = 0; i < 20 && loop_round(&fake_cpu); i++)
		;
}

static void clear_screen(void)
{
	screen_len = 0;
	screen[0] = '\0';
}

static void start(const struct hil_uart *uart, bool with_keyboard, bool with_clock)
{
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	clear_screen();
	clock_now = 5000000;
	armed = false;
	resets = 0;
	fault_asked[0] = '\0';
	uart_buf = NULL;
	wire_len = 0;
	console_init(&con, uart, &fake_screen);
	alarm_mux_init(&mux, &fake_alarm);
	if (with_keyboard)
		keyboard_init(&kb, &fake_ps2, &keymap_us, NULL);
	shell_init(&sh, &con, with_clock ? &mux : NULL, with_keyboard ? &kb : NULL, &board);
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
	return screen;
}

/* The answer: what came after the echoed line, without the new prompt. */
static const char *answer(const char *line)
{
	static char text[1 << 16];
	const char *all = type(line);
	size_t echo = strlen(line) + 1;
	size_t n = strlen(all);
	assert_true(n >= echo + strlen(SHELL_PROMPT));
	assert_memory_equal(all + n - strlen(SHELL_PROMPT), SHELL_PROMPT, strlen(SHELL_PROMPT));
	n -= echo + strlen(SHELL_PROMPT);
	memcpy(text, all + echo, n);
	text[n] = '\0';
	return text;
}

/* --- tests --------------------------------------------------------------- */

static void test_greeting_and_prompt_come_from_the_loop(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	clear_screen();
	console_init(&con, NULL, &fake_screen);
	shell_init(&sh, &con, NULL, NULL, NULL);
	shell_start(&sh);
	assert_int_equal(screen_len, 0);
	run_loop();
	assert_string_equal(screen, "knock shell: type 'help' for the commands\nknock> ");
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
	static const char *const names[] = { "help",   "version", "uptime", "echo",   "alarm",
					     "alarms", "keys",    "irqs",   "reboot", "fault" };
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
	clock_now = 61500000;
	assert_string_equal(answer("uptime"), "up 0:01:01.500 (61500000 us)\n");
}

static void test_commands_that_need_a_clock_say_so(void **state)
{
	(void)state;
	start(NULL, false, false);
	assert_string_equal(answer("uptime"), "uptime: no clock (the board wired no timer)\n");
	assert_string_equal(answer("alarm 10"), "alarm: no clock (the board wired no timer)\n");
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
	assert_false(armed);
}

static void test_alarm_fires_above_the_prompt(void **state)
{
	(void)state;
	assert_string_equal(answer("alarm 100"), "alarm 1: fires in 100 ms\n");
	assert_true(armed);
	assert_int_equal(armed_at, 5000000 + 100000);
	/* The user has started typing when it fires. */
	clear_screen();
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = 'u' });
	clock_now = armed_at + 35;
	alarm_mux_service(&mux);
	assert_string_equal(screen, "u\r        \ralarm 1 fired 100.035 ms after it was set (asked "
				    "100 ms, late 35 us)\nknock> u");
	assert_false(armed);
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
		clock_now = 5000000 + (uint64_t)i * 10000;
		alarm_mux_service(&mux);
		char want[96];
		snprintf(want, sizeof(want), "alarm 1 fired #%d (every 10 ms, late 0 us, missed 0)",
			 i);
		assert_non_null(strstr(screen, want));
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
	assert_false(armed); /* nothing left: the hardware is disarmed */
	assert_string_equal(answer("alarms drop"), "alarms: usage: alarms [cancel <id>]\n");
}

static void test_alarm_slots_run_out_with_a_message(void **state)
{
	(void)state;
	for (int i = 0; i < SHELL_ALARMS; i++)
		answer("alarm 1000");
	assert_string_equal(
		answer("alarm 1000"),
		"alarm: all 8 alarms are in use (see 'alarms', 'alarms cancel <id>')\n");
	answer("alarms cancel 3");
	/* Ids are never reused; the refused one took none. */
	assert_string_equal(answer("alarm 1000"), "alarm 9: fires in 1000 ms\n");
}

static void test_irqs_lists_the_boards_sources(void **state)
{
	(void)state;
	assert_string_equal(answer("irqs"), "source          raised   serviced    drained\n"
					    "com1                 7          6         42 bytes\n");
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
	assert_true(armed); /* a short delay lets the UART send the answer */
	assert_int_equal(armed_at, clock_now + SHELL_REBOOT_DELAY_MS * 1000);
	clock_now = armed_at;
	expect_assert_failure(alarm_mux_service(&mux));
	assert_int_equal(resets, 1);
}

static void test_keys_shows_recent_keyboard_input(void **state)
{
	(void)state;
	assert_string_equal(answer("keys"), "keys: no keyboard\n");
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
	assert_null(strstr(screen, "knock> "));
	uart_complete_all();
	const char *prompt = strstr(screen, "knock> ");
	assert_non_null(prompt);
	assert_non_null(strstr(screen, "  fault "));
	assert_true(strstr(screen, "  fault ") < prompt);
	/* The serial line got the same answer, in order, with CRLF. */
	assert_non_null(strstr(wire, "commands:\r\n  help "));
	assert_non_null(strstr(wire, "(for tests)\r\nknock> "));
	assert_int_equal(con.stats.lines_dropped, 0);
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
		cmocka_unit_test_setup(test_commands_that_need_a_clock_say_so, setup),
		cmocka_unit_test_setup(test_alarm_bad_arguments, setup),
		cmocka_unit_test_setup(test_alarm_fires_above_the_prompt, setup),
		cmocka_unit_test_setup(test_periodic_alarm_list_and_cancel, setup),
		cmocka_unit_test_setup(test_alarm_slots_run_out_with_a_message, setup),
		cmocka_unit_test_setup(test_irqs_lists_the_boards_sources, setup),
		cmocka_unit_test_setup(test_fault_calls_the_board_hook, setup),
		cmocka_unit_test_setup(test_reboot_after_the_answer_is_out, setup),
		cmocka_unit_test_setup(test_keys_shows_recent_keyboard_input, setup),
		cmocka_unit_test_setup(test_long_answer_through_a_slow_uart_loses_nothing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
