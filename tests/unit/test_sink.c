/*
 * capsules/crc32.h and capsules/sink.h: the CRC against the standard check
 * value, the terminator matcher (split across batches, overlapping near
 * matches, random data), and the sink reading a console raw: count and
 * CRC of what came before the terminator, the result from the loop, and
 * the bytes after the terminator back in the line editor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/console.h"
#include "capsules/crc32.h"
#include "capsules/lab/sink.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_uart.h"

static struct sink s;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	memset(&s, 0, sizeof(s));
	return 0;
}

static void test_crc32_check_value(void **state)
{
	(void)state;
	const uint8_t *check = (const uint8_t *)"123456789";
	assert_int_equal(crc32_update(0, check, 9), 0xcbf43926u);
	assert_int_equal(crc32_update(0, check, 0), 0);
	/* Piecewise is the same as at once. */
	uint32_t c = crc32_update(0, check, 4);
	assert_int_equal(crc32_update(c, check + 4, 5), 0xcbf43926u);
}

static void test_terminator_length_is_checked(void **state)
{
	(void)state;
	assert_false(sink_reset(&s, "abc"));
	assert_true(sink_reset(&s, "abcd"));
	assert_true(sink_reset(&s, "0123456789abcdef0123456789abcdef"));
	assert_false(sink_reset(&s, "0123456789abcdef0123456789abcdef!"));
}

/* Feed data + terminator + trailer in pieces of `chunk` bytes; check the
 * result is the data's count and CRC and nothing after the terminator
 * was taken. */
static void feed_in_chunks(const char *term, const uint8_t *data, size_t n, size_t chunk)
{
	uint8_t stream[4096];
	size_t tl = strlen(term);
	const char *trailer = "echo after\r";
	size_t total = n + tl + strlen(trailer);

	assert_true(total <= sizeof(stream));
	memcpy(stream, data, n);
	memcpy(stream + n, term, tl);
	memcpy(stream + n + tl, trailer, strlen(trailer));
	assert_true(sink_reset(&s, term));
	size_t at = 0;
	while (at < total && !s.finished) {
		size_t len = total - at < chunk ? total - at : chunk;
		size_t took = sink_feed(&s, stream + at, len);
		if (!s.finished)
			assert_int_equal(took, len);
		at += took;
	}
	assert_true(s.finished);
	assert_int_equal(at, n + tl); /* stopped right after the terminator */
	assert_int_equal(s.result.bytes, n);
	assert_int_equal(s.result.crc, crc32_update(0, data, n));
	assert_int_equal(sink_feed(&s, stream + at, 1), 0); /* done: takes no more */
}

static void test_near_matches_are_counted_as_data(void **state)
{
	(void)state;
	/* "abab" overlaps itself; the data holds prefixes of it that break
	 * at every point, and one that runs straight into the real one. */
	const char *term = "ababc";
	const char *datas[] = { "",      "x",      "a",        "ab",    "aba",        "abab",
				"ababa", "ababab", "abababab", "aabab", "ababxababa", "abababa" };
	for (size_t i = 0; i < sizeof(datas) / sizeof(datas[0]); i++)
		for (size_t chunk = 1; chunk <= 8; chunk++)
			feed_in_chunks(term, (const uint8_t *)datas[i], strlen(datas[i]), chunk);
}

static void test_random_data_over_a_small_alphabet(void **state)
{
	(void)state;
	const char *term = "abcab";
	uint8_t data[2000];
	srand(7);
	for (int round = 0; round < 50; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(data));
		for (size_t i = 0; i < n; i++)
			data[i] = (uint8_t)("abc"[rand() % 3]);
		/* The terminator may occur only at the end: cut the data before
		 * the first place it starts, in the data or running from the
		 * data into the terminator itself ("abc" + "abcab"). */
		uint8_t both[sizeof(data) + 5];
		for (size_t i = 0; i < n; i++) {
			memcpy(both, data, n);
			memcpy(both + n, term, 5);
			if (!memcmp(both + i, term, 5)) {
				n = i;
				i = (size_t)-1; /* again from the start, with the new end */
			}
		}
		feed_in_chunks(term, data, n, 1 + (size_t)(rand() % 64));
	}
}

/* --- through a console ------------------------------------------------ */

static struct fake_uart fu;
static struct console con;
static struct sink_result got;
static unsigned done_calls;
static bool in_receive;

static void done(void *ctx, const struct sink_result *r)
{
	(void)ctx;
	assert_false(in_receive); /* from the loop, never inside the UART's call */
	got = *r;
	done_calls++;
}

static const struct sink_client client = { .ctx = NULL, .done = done };

static void run_loop(void)
{
	for (int i = 0; i < 100 && (fake_cpu.pending || fu.buf); i++) {
		loop_round(&fake_cpu);
		fake_uart_complete(&fu);
	}
}

static void receive(const void *bytes, size_t n)
{
	in_receive = true;
	fake_uart_receive(&fu, bytes, n);
	in_receive = false;
}

static char line_got[LINE_MAX_CHARS + 1];

static void line_in(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	memcpy(line_got, buf, len);
	line_got[len] = '\0';
}

static const struct console_line_client reader = { .ctx = NULL, .line = line_in };

static void test_sink_reads_the_console_raw(void **state)
{
	(void)state;
	char line[LINE_MAX_CHARS + 1];

	fake_uart_init(&fu);
	console_init(&con, &fu.hil, NULL);
	sink_init(&s, &con, NULL);
	done_calls = 0;
	line_got[0] = '\0';
	run_loop();
	assert_int_equal(sink_start(&s, "ab", &client), -1); /* too short */
	assert_int_equal(sink_start(&s, "STOP-HERE", &client), 0);
	assert_int_equal(sink_start(&s, "STOP-HERE", &client), -1); /* one at a time */

	/* Escape sequences, CR, DEL, Ctrl-C: all just bytes now, no echo. */
	const uint8_t part1[] = { 0x1b, '[', 'A', '\r', 0x7f, 0x03, 0x00, 0xff, 'S', 'T', 'O' };
	const uint8_t part2[] = { 'P', '-', 'H', 'E', 'R', 'E' };
	receive(part1, sizeof(part1));
	receive(part2, sizeof(part2)); /* the terminator ends with the batch */
	assert_int_equal(done_calls, 0);
	run_loop();
	assert_int_equal(done_calls, 1);
	assert_int_equal(got.bytes, 8);
	assert_int_equal(got.crc, crc32_update(0, part1, 8));
	assert_int_equal(fu.wire_len, 0); /* nothing echoed */
	assert_int_equal(console_get_stats(&con)->raw_bytes, sizeof(part1) + sizeof(part2));

	/* With a line being read, a second sink: the bytes after its
	 * terminator, in the same batch, go to the line editor. */
	assert_int_equal(console_read_line(&con, "> ", line, sizeof(line), &reader), 0);
	assert_int_equal(sink_start(&s, "ENDEND", &client), 0);
	const char batch[] = "abcENDENDyz\r";
	receive(batch, strlen(batch));
	run_loop();
	assert_int_equal(done_calls, 2);
	assert_int_equal(got.bytes, 3);
	assert_int_equal(got.crc, crc32_update(0, (const uint8_t *)"abc", 3));
	assert_string_equal(line_got, "yz");
	assert_string_equal(fu.wire, "> yz\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_crc32_check_value, setup),
		cmocka_unit_test_setup(test_terminator_length_is_checked, setup),
		cmocka_unit_test_setup(test_near_matches_are_counted_as_data, setup),
		cmocka_unit_test_setup(test_random_data_over_a_small_alphabet, setup),
		cmocka_unit_test_setup(test_sink_reads_the_console_raw, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
