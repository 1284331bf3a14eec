/*
 * capsules/console.c against a fake UART that records every transmit()
 * and completes transmissions only when the test says so, and a fake
 * screen that records what it was shown.
 *
 * Covered: output on both devices with CRLF only on serial, one
 * transmission at a time from the ring, buffer ownership (the bytes handed
 * to transmit() stay untouched until transmitted()), a full ring telling
 * the writer and calling it back later (never inside its own call), log
 * lines all-or-nothing and counted, input from serial and keyboard into
 * one editor, lines delivered from the loop, type-ahead queueing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/console.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_screen.h"

/* --- fakes ------------------------------------------------------------ */

struct fake_uart {
	const struct hil_uart_client *client;
	const uint8_t *buf; /* in flight, owned by the "UART" */
	size_t len;
	uint8_t snapshot[CONSOLE_RING_SIZE];
	unsigned transmits;
	unsigned services;
	char wire[1 << 16];
	size_t wire_len;
	uint8_t rx[256];
	size_t rx_len;
	unsigned rx_errors;
};

static struct fake_uart fu;

static void fu_set_client(void *hw, const struct hil_uart_client *client)
{
	(void)hw;
	fu.client = client;
}

static int fu_transmit(void *hw, const uint8_t *buf, size_t len)
{
	(void)hw;
	assert_true(len > 0);
	if (fu.buf)
		return -1;
	fu.buf = buf;
	fu.len = len;
	memcpy(fu.snapshot, buf, len);
	fu.transmits++;
	return 0;
}

/* The "interrupt": hand over received bytes, nothing else. */
static void fu_service(void *hw)
{
	(void)hw;
	fu.services++;
	if (fu.rx_len) {
		size_t n = fu.rx_len;
		fu.rx_len = 0;
		fu.client->received(fu.client->ctx, fu.rx, n, fu.rx_errors);
	}
}

static const struct hil_uart fake_uart_hil = {
	.hw = &fu,
	.set_client = fu_set_client,
	.transmit = fu_transmit,
	.service = fu_service,
};

/* Finish the transmission in flight: the bytes must be what they were
 * when transmit() was called (the console did not touch them). */
static void fu_complete(void)
{
	assert_non_null(fu.buf);
	assert_memory_equal(fu.buf, fu.snapshot, fu.len);
	assert_true(fu.wire_len + fu.len < sizeof(fu.wire));
	memcpy(fu.wire + fu.wire_len, fu.buf, fu.len);
	fu.wire_len += fu.len;
	fu.wire[fu.wire_len] = '\0';
	const uint8_t *buf = fu.buf;
	size_t len = fu.len;
	fu.buf = NULL;
	fu.client->transmitted(fu.client->ctx, buf, len);
}

static void fu_drain(void)
{
	for (int i = 0; fu.buf; i++) {
		assert_true(i < 1000);
		fu_complete();
	}
}

static struct console con;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	memset(&fu, 0, sizeof(fu));
	fake_screen_clear();
	console_init(&con, &fake_uart_hil, &fake_screen);
	return 0;
}

static void run_loop(void)
{
	for (int i = 0; i < 10 && loop_round(&fake_cpu); i++)
		;
}

/* --- a writer that waits for room -------------------------------------- */

struct writer {
	const char *text;
	size_t len, done;
	unsigned room_calls;
	bool in_write; /* set while the writer is inside a console call */
	struct console_room_client client;
};

static void writer_push(struct writer *w)
{
	w->in_write = true;
	w->done += console_write(&con, w->text + w->done, w->len - w->done);
	if (w->done < w->len)
		assert_int_equal(console_notify_when_room(&con, &w->client), 0);
	w->in_write = false;
}

static void writer_room(void *ctx)
{
	struct writer *w = ctx;
	assert_false(w->in_write); /* never called back inside its own call */
	w->room_calls++;
	writer_push(w);
}

static void writer_init(struct writer *w, const char *text, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->text = text;
	w->len = len;
	w->client = (struct console_room_client){ .ctx = w, .room = writer_room };
}

/* --- a reader ---------------------------------------------------------- */

static char line_buf[LINE_MAX_CHARS + 1];
static char got_line[LINE_MAX_CHARS + 1];
static unsigned lines_got;
static bool in_read_call;

static void on_line(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	assert_false(in_read_call);
	assert_ptr_equal(buf, line_buf); /* our buffer comes back */
	memcpy(got_line, buf, len);
	got_line[len] = '\0';
	lines_got++;
}

static const struct console_line_client reader = { .ctx = NULL, .line = on_line };

static void read_line(void)
{
	in_read_call = true;
	assert_int_equal(console_read_line(&con, "knock> ", line_buf, sizeof(line_buf), &reader),
			 0);
	in_read_call = false;
}

static void serial_in(const char *s)
{
	size_t n = strlen(s);
	memcpy(fu.rx, s, n);
	fu.rx_len = n;
	console_uart_service(&con);
}

static void key_in(enum line_key k, char c)
{
	console_input_key(&con, (struct line_input){ .key = k, .ch = c });
}

/* --- output ------------------------------------------------------------ */

static void test_output_reaches_screen_and_serial(void **state)
{
	(void)state;
	assert_int_equal(console_write(&con, "hello\nworld\n", 12), 12);
	assert_string_equal(fake_screen_text, "hello\nworld\n");
	assert_int_equal(fu.transmits, 1);
	fu_drain();
	assert_string_equal(fu.wire, "hello\r\nworld\r\n");
}

static void test_one_transmission_at_a_time_in_order(void **state)
{
	(void)state;
	console_write(&con, "abc", 3);
	console_write(&con, "def", 3);
	console_write(&con, "ghi", 3);
	/* The UART got the first write; the rest waits in the ring. */
	assert_int_equal(fu.transmits, 1);
	assert_int_equal(fu.len, 3);
	fu_complete();
	/* The next transmission takes everything queued meanwhile. */
	assert_int_equal(fu.transmits, 2);
	assert_int_equal(fu.len, 6);
	fu_complete();
	assert_null(fu.buf);
	assert_string_equal(fu.wire, "abcdefghi");
	assert_int_equal(con.stats.transmit_refused, 0);
}

static void test_buffer_in_flight_is_never_overwritten(void **state)
{
	(void)state;
	static char big[CONSOLE_RING_SIZE];
	memset(big, 'x', sizeof(big));
	console_write(&con, "0123456789", 10);
	assert_non_null(fu.buf);
	/* Fill the ring to the brim, wrapping round, while 10 bytes fly;
	 * fu_complete() checks the flying bytes against their snapshot. */
	for (int i = 0; i < 5; i++)
		console_write(&con, big, sizeof(big));
	assert_int_equal(console_room(&con), 0);
	fu_complete();
	assert_string_equal(fu.wire, "0123456789");
	fu_drain();
	assert_int_equal(con.stats.foreign_buffers, 0);
}

static void test_ring_wraps_in_two_contiguous_pieces(void **state)
{
	(void)state;
	static char text[3000];
	static char expect[6001];
	memset(text, 'a', sizeof(text));
	console_write(&con, text, sizeof(text));
	fu_drain();
	memset(text, 'b', sizeof(text));
	text[2999] = 'z';
	assert_int_equal(console_write(&con, text, sizeof(text)), sizeof(text));
	/* 3000 + 3000 > 4096: the second write wraps; each transmit() gets
	 * one contiguous piece, the first ending exactly at the ring's end. */
	assert_int_equal(fu.len, CONSOLE_RING_SIZE - 3000);
	fu_complete();
	assert_int_equal(fu.len, 3000 - (CONSOLE_RING_SIZE - 3000));
	fu_complete();
	memset(expect, 'a', 3000);
	memset(expect + 3000, 'b', 3000);
	expect[5999] = 'z';
	expect[6000] = '\0';
	assert_string_equal(fu.wire, expect);
}

static void test_full_ring_tells_writer_and_calls_it_back_later(void **state)
{
	(void)state;
	static char text[20000];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	struct writer w;
	writer_init(&w, text, sizeof(text));

	writer_push(&w);
	assert_true(w.done > 0 && w.done < w.len); /* told: only part taken */
	assert_int_equal(w.room_calls, 0);
	/* The screen shows only what was taken, so a retry never repeats. */
	assert_int_equal(fake_screen_len, w.done);
	/* No room yet, and nothing in the loop calls the writer. */
	run_loop();
	assert_int_equal(w.room_calls, 0);

	fu_drain();
	run_loop();
	assert_true(w.room_calls > 0);
	assert_int_equal(w.done, w.len);
	assert_int_equal(fu.wire_len, sizeof(text));
	assert_memory_equal(fu.wire, text, sizeof(text));
	assert_memory_equal(fake_screen_text, text, sizeof(text));
	assert_int_equal(con.stats.bytes_accepted, sizeof(text));
}

static void test_room_callback_with_idle_uart_comes_from_the_loop(void **state)
{
	(void)state;
	struct writer w;
	writer_init(&w, "x", 1);
	w.in_write = true;
	assert_int_equal(console_notify_when_room(&con, &w.client), 0);
	assert_int_equal(console_notify_when_room(&con, &w.client), 0); /* same: one wait */
	w.in_write = false;
	assert_int_equal(w.room_calls, 0);
	run_loop();
	assert_int_equal(w.room_calls, 1);
	run_loop();
	assert_int_equal(w.room_calls, 1); /* once per request */
}

static void test_too_many_waiters_are_refused(void **state)
{
	(void)state;
	static struct writer w[CONSOLE_MAX_WAITERS + 1];
	for (int i = 0; i <= CONSOLE_MAX_WAITERS; i++)
		writer_init(&w[i], "x", 1);
	for (int i = 0; i < CONSOLE_MAX_WAITERS; i++)
		assert_int_equal(console_notify_when_room(&con, &w[i].client), 0);
	assert_int_equal(console_notify_when_room(&con, &w[CONSOLE_MAX_WAITERS].client), -1);
	assert_int_equal(con.stats.waiters_refused, 1);
}

static void test_log_lines_all_or_nothing_and_counted(void **state)
{
	(void)state;
	static char big[CONSOLE_RING_SIZE];
	memset(big, '.', sizeof(big));
	assert_true(console_write_line(&con, "first\n", 6));
	console_write(&con, big, sizeof(big)); /* fill the writers' part */
	size_t wire_before = fu.wire_len;
	fake_screen_len = 0;
	assert_false(console_write_line(&con, "lost on serial\n", 15));
	assert_false(console_write_line(&con, "this one too\n", 13));
	assert_int_equal(console_dropped_log_lines(&con), 2);
	/* The screen still shows them. */
	assert_string_equal(fake_screen_text, "lost on serial\nthis one too\n");
	fu_drain();
	/* Not a fragment on serial, and the serial line is told. */
	assert_null(strstr(fu.wire + wire_before, "lost on"));
	assert_null(strstr(fu.wire + wire_before, "this one"));
	assert_non_null(
		strstr(fu.wire, "console: 2 lines not sent on the serial line (output full)\r\n"));
	/* Told once. */
	console_write_line(&con, "later\n", 6);
	fu_drain();
	assert_int_equal(console_dropped_log_lines(&con), 2);
	const char *first = strstr(fu.wire, "console: 2 lines");
	assert_null(strstr(first + 1, "console: 2 lines"));
	assert_non_null(strstr(fu.wire, "later\r\n"));
}

static void test_foreign_buffer_in_transmitted_is_refused(void **state)
{
	(void)state;
	static const uint8_t other[4] = "junk";
	console_write(&con, "abcd", 4);
	fu.client->transmitted(fu.client->ctx, other, 4);
	assert_int_equal(con.stats.foreign_buffers, 1);
	fu_drain();
	assert_string_equal(fu.wire, "abcd");
}

static void test_screen_only_console_takes_everything(void **state)
{
	(void)state;
	loop_reset_for_test();
	console_init(&con, NULL, &fake_screen);
	static char big[3 * CONSOLE_RING_SIZE];
	memset(big, 'q', sizeof(big));
	assert_int_equal(console_write(&con, big, sizeof(big)), sizeof(big));
	assert_true(console_write_line(&con, "x\n", 2));
	assert_int_equal(fake_screen_len, sizeof(big) + 2);
}

/* --- input ------------------------------------------------------------- */

static void test_serial_line_is_echoed_and_delivered_from_the_loop(void **state)
{
	(void)state;
	read_line();
	serial_in("help\r\n");
	assert_int_equal(lines_got, 0); /* not inside the UART's callback */
	run_loop();
	assert_int_equal(lines_got, 1);
	assert_string_equal(got_line, "help");
	fu_drain();
	assert_string_equal(fu.wire, "knock> help\r\n");
	assert_string_equal(fake_screen_text, "knock> help\n");
	lines_got = 0;
}

static void test_keyboard_and_serial_feed_one_editor(void **state)
{
	(void)state;
	read_line();
	key_in(LINE_KEY_CHAR, 'e');
	serial_in("ch");
	key_in(LINE_KEY_CHAR, 'o');
	serial_in("\x1b[D\x1b[D\x1b[D"); /* Left x3 from the serial side */
	key_in(LINE_KEY_DELETE, 0);      /* Delete from the keyboard */
	key_in(LINE_KEY_ENTER, 0);
	run_loop();
	assert_string_equal(got_line, "eho");
	lines_got = 0;
}

static void test_keys_typed_while_busy_wait_for_the_next_read(void **state)
{
	(void)state;
	serial_in("ver");
	assert_int_equal(fake_screen_len, 0); /* nobody reads: no echo yet */
	read_line();
	/* Not processed inside read_line: only the prompt so far. */
	assert_string_equal(fake_screen_text, "knock> ");
	run_loop();
	assert_string_equal(fake_screen_text, "knock> ver");
	serial_in("sion\rnext\r");
	run_loop();
	assert_string_equal(got_line, "version");
	/* "next" is queued for the following read. */
	read_line();
	run_loop();
	assert_string_equal(got_line, "next");
	assert_int_equal(lines_got, 2);
	lines_got = 0;
}

static void test_queue_overflow_is_counted_and_reported(void **state)
{
	(void)state;
	for (int i = 0; i < CONSOLE_INPUT_QUEUE + 5; i++)
		key_in(LINE_KEY_CHAR, 'k');
	assert_int_equal(con.stats.input_dropped, 5);
	read_line();
	assert_non_null(strstr(fake_screen_text, "console: 5 keys dropped (typed while busy)\n"));
}

static void test_ctrl_c_throws_away_type_ahead(void **state)
{
	(void)state;
	serial_in("reboot");
	serial_in("\x03");
	read_line();
	serial_in("uptime\r");
	run_loop();
	assert_string_equal(got_line, "uptime");
	lines_got = 0;
}

static void test_read_line_refuses_a_second_reader_and_small_buffers(void **state)
{
	(void)state;
	char small[16];
	assert_int_equal(console_read_line(&con, "> ", small, sizeof(small), &reader), -1);
	read_line();
	assert_int_equal(console_read_line(&con, "> ", line_buf, sizeof(line_buf), &reader), -1);
}

static void test_message_appears_above_the_line_being_edited(void **state)
{
	(void)state;
	read_line();
	serial_in("upt");
	fake_screen_len = 0;
	assert_true(console_write_line(&con, "alarm 1 fired\n", 14));
	/* Cleared (prompt + 3 characters), message, then prompt and input. */
	assert_string_equal(fake_screen_text, "\r          \ralarm 1 fired\nknock> upt");
	serial_in("ime\r");
	run_loop();
	assert_string_equal(got_line, "uptime");
	lines_got = 0;
}

/* A process's text, as console_write_above() takes it, goes above the line
 * being edited: whole lines like a message; a line that comes in pieces
 * takes the input line off at its first piece and puts it back after its
 * newline. On the serial line too, with CRLF. */
static void test_process_text_appears_above_the_line_being_edited(void **state)
{
	(void)state;
	read_line();
	serial_in("upt");
	fake_screen_len = 0;
	assert_int_equal(console_write_above(&con, "blink 1\n", 8), 8);
	assert_string_equal(fake_screen_text, "\r          \rblink 1\nknock> upt");
	fake_screen_len = 0;
	assert_int_equal(console_write_above(&con, "half ", 5), 5);
	assert_int_equal(console_write_above(&con, "and ", 4), 4);
	assert_string_equal(fake_screen_text, "\r          \rhalf and ");
	assert_int_equal(console_write_above(&con, "rest\nnext\n", 10), 10);
	assert_string_equal(fake_screen_text, "\r          \rhalf and rest\nnext\nknock> upt");
	fu_drain();
	assert_non_null(strstr(fu.wire, "knock> upt\r          \rblink 1\r\nknock> upt\r"
					"          \rhalf and rest\r\nnext\r\nknock> upt"));
	serial_in("ime\r");
	run_loop();
	assert_string_equal(got_line, "uptime");
	lines_got = 0;
}

/* A message while a process's line is unfinished goes below that line
 * (taking the input line off would wipe the process's text), and the
 * input line comes back after it. With no line being edited, the text is
 * written as console_write() writes it. */
static void test_a_message_after_a_piece_of_process_text_goes_below_it(void **state)
{
	(void)state;
	fake_screen_len = 0;
	assert_int_equal(console_write_above(&con, "busy ", 5), 5);
	assert_string_equal(fake_screen_text, "busy ");
	read_line();
	fake_screen_len = 0;
	console_write_above(&con, "spin", 4);
	assert_true(console_write_line(&con, "alarm 1 fired\n", 14));
	assert_string_equal(fake_screen_text, "\r       \rspin\nalarm 1 fired\nknock> ");
	assert_false(con.input_off);
}

/* A process's write that finds no room takes nothing and leaves the line
 * being edited as it was: prompt and input, where the keys echo. */
static void test_process_text_that_finds_no_room_leaves_the_line(void **state)
{
	(void)state;
	static char big[CONSOLE_RING_SIZE];
	memset(big, '-', sizeof(big));
	read_line();
	serial_in("up");
	console_write(&con, big, sizeof(big));
	assert_int_equal(console_room(&con), 0);
	fake_screen_len = 0;
	assert_int_equal(console_write_above(&con, "blink 1\n", 8), 0);
	assert_false(con.input_off);
	serial_in("t");
	assert_string_equal(fake_screen_text, "\r         \rknock> upt");
}

static void test_echo_still_works_when_writers_filled_the_ring(void **state)
{
	(void)state;
	static char big[CONSOLE_RING_SIZE];
	memset(big, '-', sizeof(big));
	read_line();
	console_write(&con, big, sizeof(big));
	assert_int_equal(console_room(&con), 0);
	serial_in("abc");
	fu_drain();
	assert_int_equal(con.stats.echo_dropped, 0);
	size_t n = fu.wire_len;
	assert_memory_equal(fu.wire + n - 3, "abc", 3);
}

static void test_serial_errors_and_bytes_are_counted(void **state)
{
	(void)state;
	fu.rx_errors = 2;
	serial_in("xy");
	assert_int_equal(con.stats.rx_bytes, 2);
	assert_int_equal(con.stats.rx_errors, 2);
	assert_int_equal(con.stats.services, 1);
	assert_int_equal(fu.services, 1);
}

static struct key_event kev(enum key_code code, uint8_t ascii, bool pressed)
{
	return (struct key_event){ .code = code, .pressed = pressed, .ascii = ascii };
}

static void test_keyboard_events_become_editor_keys(void **state)
{
	(void)state;
	struct line_input k;
	struct key_event e;
	static const struct {
		enum key_code code;
		uint8_t ascii;
		enum line_key want;
	} cases[] = {
		{ KEY_UP, 0, LINE_KEY_UP },
		{ KEY_DOWN, 0, LINE_KEY_DOWN },
		{ KEY_LEFT, 0, LINE_KEY_LEFT },
		{ KEY_RIGHT, 0, LINE_KEY_RIGHT },
		{ KEY_HOME, 0, LINE_KEY_HOME },
		{ KEY_END, 0, LINE_KEY_END },
		{ KEY_DELETE, 0, LINE_KEY_DELETE },
		{ KEY_ENTER, '\n', LINE_KEY_ENTER },
		{ KEY_KP_ENTER, '\n', LINE_KEY_ENTER },
		{ KEY_BACKSPACE, '\b', LINE_KEY_BACKSPACE },
		{ KEY_C, 0x03, LINE_KEY_CANCEL },
		{ KEY_U, 0x15, LINE_KEY_KILL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = kev(cases[i].code, cases[i].ascii, true);
		assert_true(console_key_from_keyboard(&e, &k));
		assert_int_equal(k.key, cases[i].want);
		e.pressed = false; /* releases mean nothing to the editor */
		assert_false(console_key_from_keyboard(&e, &k));
	}
	e = kev(KEY_A, 'A', true);
	assert_true(console_key_from_keyboard(&e, &k));
	assert_int_equal(k.key, LINE_KEY_CHAR);
	assert_int_equal(k.ch, 'A');
	e = kev(KEY_F1, 0, true);
	assert_false(console_key_from_keyboard(&e, &k));
	e = kev(KEY_LEFT_SHIFT, 0, true);
	assert_false(console_key_from_keyboard(&e, &k));
	e = kev(KEY_TAB, '\t', true);
	assert_false(console_key_from_keyboard(&e, &k));
}

static void test_keyboard_client_feeds_the_editor(void **state)
{
	(void)state;
	struct key_event e;
	read_line();
	const char *word = "keys";
	for (const char *p = word; *p; p++) {
		e = kev(KEY_K, (uint8_t)*p, true);
		console_keyboard_key(&con, &e);
		e.pressed = false;
		console_keyboard_key(&con, &e);
	}
	e = kev(KEY_ENTER, '\n', true);
	console_keyboard_key(&con, &e);
	run_loop();
	assert_string_equal(got_line, "keys");
	assert_int_equal(con.stats.keys, 5);
	lines_got = 0;
}

/* --- the synchronous drain before a panic or exception report ------------- */

static char sync_out[1 << 14];
static size_t sync_len;

static void sync_write(const uint8_t *bytes, size_t n)
{
	assert_true(sync_len + n < sizeof(sync_out));
	memcpy(sync_out + sync_len, bytes, n);
	sync_len += n;
	sync_out[sync_len] = '\0';
}

static void test_panic_drain_writes_queued_bytes_once_and_resumes(void **state)
{
	(void)state;
	sync_len = 0;
	/* "one" goes in flight; "two" waits in the ring behind it. */
	assert_int_equal(console_write(&con, "one\n", 4), 4);
	assert_int_equal(console_write(&con, "two\n", 4), 4);
	assert_non_null(fu.buf);
	assert_int_equal(fu.len, 5); /* "one\r\n" */

	/* The board has flushed the in-flight bytes; the drain writes the rest. */
	console_panic_drain(&con, sync_write);
	assert_string_equal(sync_out, "two\r\n");
	/* A second report in the same handler must not repeat them. */
	console_panic_drain(&con, sync_write);
	assert_string_equal(sync_out, "two\r\n");

	/* The loop resumes: the UART's transmitted() retires the in-flight
	 * run, and new output goes out without "two" again. */
	fu_complete();
	assert_int_equal(console_write(&con, "three\n", 6), 6);
	fu_drain();
	assert_string_equal(fu.wire, "one\r\nthree\r\n");
}

static void test_panic_drain_with_nothing_in_flight(void **state)
{
	(void)state;
	sync_len = 0;
	assert_int_equal(console_write(&con, "a\n", 2), 2);
	fu_drain();
	console_panic_drain(&con, sync_write);
	assert_int_equal(sync_len, 0);
	assert_int_equal(console_write(&con, "b\n", 2), 2);
	fu_drain();
	assert_string_equal(fu.wire, "a\r\nb\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_output_reaches_screen_and_serial, setup),
		cmocka_unit_test_setup(test_one_transmission_at_a_time_in_order, setup),
		cmocka_unit_test_setup(test_buffer_in_flight_is_never_overwritten, setup),
		cmocka_unit_test_setup(test_ring_wraps_in_two_contiguous_pieces, setup),
		cmocka_unit_test_setup(test_full_ring_tells_writer_and_calls_it_back_later, setup),
		cmocka_unit_test_setup(test_room_callback_with_idle_uart_comes_from_the_loop,
				       setup),
		cmocka_unit_test_setup(test_too_many_waiters_are_refused, setup),
		cmocka_unit_test_setup(test_log_lines_all_or_nothing_and_counted, setup),
		cmocka_unit_test_setup(test_foreign_buffer_in_transmitted_is_refused, setup),
		cmocka_unit_test_setup(test_screen_only_console_takes_everything, setup),
		cmocka_unit_test_setup(test_serial_line_is_echoed_and_delivered_from_the_loop,
				       setup),
		cmocka_unit_test_setup(test_keyboard_and_serial_feed_one_editor, setup),
		cmocka_unit_test_setup(test_keys_typed_while_busy_wait_for_the_next_read, setup),
		cmocka_unit_test_setup(test_queue_overflow_is_counted_and_reported, setup),
		cmocka_unit_test_setup(test_ctrl_c_throws_away_type_ahead, setup),
		cmocka_unit_test_setup(test_read_line_refuses_a_second_reader_and_small_buffers,
				       setup),
		cmocka_unit_test_setup(test_message_appears_above_the_line_being_edited, setup),
		cmocka_unit_test_setup(test_process_text_appears_above_the_line_being_edited,
				       setup),
		cmocka_unit_test_setup(test_process_text_that_finds_no_room_leaves_the_line, setup),
		cmocka_unit_test_setup(test_a_message_after_a_piece_of_process_text_goes_below_it,
				       setup),
		cmocka_unit_test_setup(test_echo_still_works_when_writers_filled_the_ring, setup),
		cmocka_unit_test_setup(test_serial_errors_and_bytes_are_counted, setup),
		cmocka_unit_test_setup(test_keyboard_events_become_editor_keys, setup),
		cmocka_unit_test_setup(test_keyboard_client_feeds_the_editor, setup),
		cmocka_unit_test_setup(test_panic_drain_writes_queued_bytes_once_and_resumes,
				       setup),
		cmocka_unit_test_setup(test_panic_drain_with_nothing_in_flight, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
