/*
 * kernel/log.c: prefixes, level filtering, one sink call per line, the
 * visible cut of a too-long line, every sink getting every line, and
 * re-entrancy: text written from an interrupt that lands inside a sink's
 * write comes out after that line, whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"

/* What a test sink received: all text, the number of calls, the last call. */
struct capture {
	char text[4096];
	size_t len;
	int calls;
	char last[LOG_LINE_MAX + 1];
	size_t last_len;
};

static struct capture cap[LOG_MAX_SINKS + 1];

static void record(struct capture *c, const char *s, size_t n)
{
	assert_true(n <= LOG_LINE_MAX);
	assert_true(c->len + n < sizeof(c->text));
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len] = '\0';
	memcpy(c->last, s, n);
	c->last[n] = '\0';
	c->last_len = n;
	c->calls++;
}

static void sink0(const char *s, size_t n)
{
	record(&cap[0], s, n);
}
static void sink1(const char *s, size_t n)
{
	record(&cap[1], s, n);
}
static void sink2(const char *s, size_t n)
{
	record(&cap[2], s, n);
}
static void sink3(const char *s, size_t n)
{
	record(&cap[3], s, n);
}
static void sink4(const char *s, size_t n)
{
	record(&cap[4], s, n);
}

static int setup(void **state)
{
	(void)state;
	memset(cap, 0, sizeof(cap));
	log_remove_all_sinks();
	log_set_level(LOG_INFO);
	assert_int_equal(log_add_sink(sink0), 0);
	return 0;
}

/* Runs first, before any test changed the level. */
static void test_default_level_is_info(void **state)
{
	(void)state;
	assert_int_equal(log_get_level(), LOG_INFO);
}

static void test_prefixes(void **state)
{
	(void)state;
	log_set_level(LOG_DEBUG);
	log_error("disk %d on fire", 3);
	log_warn("low on %s", "tea");
	log_info("plain %u", 7u);
	log_debug("x=%x", 255);
	assert_string_equal(cap[0].text, "error: disk 3 on fire\n"
					 "warning: low on tea\n"
					 "plain 7\n"
					 "debug: x=ff\n");
	assert_int_equal(cap[0].calls, 4); /* one sink call per line */
}

static void test_default_level_drops_debug(void **state)
{
	(void)state;
	log_debug("hidden");
	log_info("shown");
	assert_string_equal(cap[0].text, "shown\n");
}

static void test_level_filtering(void **state)
{
	(void)state;
	log_set_level(LOG_WARN);
	assert_int_equal(log_get_level(), LOG_WARN);
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_error("e");
	assert_string_equal(cap[0].text, "warning: w\nerror: e\n");

	memset(&cap[0], 0, sizeof(cap[0]));
	log_set_level(LOG_ERROR);
	log_warn("w");
	log_error("e");
	klog(LOG_ERROR, "via %s", "klog");
	assert_string_equal(cap[0].text, "error: e\nerror: via klog\n");
}

static void test_line_that_just_fits_is_not_cut(void **state)
{
	(void)state;
	char msg[LOG_LINE_MAX];
	/* "warning: " + message + "\n" is exactly LOG_LINE_MAX bytes. */
	size_t len = LOG_LINE_MAX - strlen("warning: ") - 1;
	memset(msg, 'a', len);
	msg[len] = '\0';

	log_warn("%s", msg);
	assert_int_equal(cap[0].last_len, LOG_LINE_MAX);
	assert_memory_equal(cap[0].last, "warning: aaa", 12);
	assert_string_equal(cap[0].last + LOG_LINE_MAX - 3, "aa\n");
}

static void test_long_line_is_cut_visibly(void **state)
{
	(void)state;
	char msg[1000];
	memset(msg, 'b', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';

	log_warn("%s", msg);
	assert_int_equal(cap[0].calls, 1);
	assert_int_equal(cap[0].last_len, LOG_LINE_MAX);
	assert_memory_equal(cap[0].last, "warning: bbb", 12);
	assert_string_equal(cap[0].last + LOG_LINE_MAX - 5, "b...\n");

	/* Info has no prefix: LOG_LINE_MAX-1 characters and "\n" just fit... */
	msg[LOG_LINE_MAX - 1] = '\0';
	log_info("%s", msg);
	assert_int_equal(cap[0].last_len, LOG_LINE_MAX);
	assert_string_equal(cap[0].last + LOG_LINE_MAX - 4, "bbb\n");

	/* ...and one character more is enough to be cut. */
	msg[LOG_LINE_MAX - 1] = 'b';
	msg[LOG_LINE_MAX] = '\0';
	log_info("%s", msg);
	assert_int_equal(cap[0].last_len, LOG_LINE_MAX);
	assert_string_equal(cap[0].last + LOG_LINE_MAX - 4, "...\n");
}

static void test_every_sink_gets_each_line(void **state)
{
	(void)state;
	assert_int_equal(log_add_sink(sink1), 0);
	assert_int_equal(log_add_sink(sink2), 0);
	assert_int_equal(log_add_sink(sink3), 0);
	assert_int_equal(log_add_sink(sink4), -1); /* LOG_MAX_SINKS taken */

	log_error("boom %d", 1);
	kprintf("raw %s", "text");
	for (int i = 0; i < LOG_MAX_SINKS; i++) {
		assert_string_equal(cap[i].text, "error: boom 1\nraw text");
		assert_int_equal(cap[i].calls, 2);
	}
	assert_int_equal(cap[4].calls, 0);
}

static void test_remove_all_sinks(void **state)
{
	(void)state;
	log_remove_all_sinks();
	log_error("nobody listens");
	kprintf("nor here");
	assert_int_equal(cap[0].calls, 0);
	assert_int_equal(log_add_sink(sink1), 0);
	log_info("back");
	assert_string_equal(cap[1].text, "back\n");
}

/* kprintf/kwrite: no prefix, no newline, no level filter. */
static void test_raw_output(void **state)
{
	(void)state;
	log_set_level(LOG_ERROR);
	kprintf("rip=%016lx ", 0xffffffff80001000ul);
	kwrite("ab\0c", 4);
	assert_int_equal(cap[0].calls, 2);
	assert_int_equal(cap[0].len, 21 + 4);
	assert_memory_equal(cap[0].text, "rip=ffffffff80001000 ab\0c", 25);
}

/* --- re-entrancy ----------------------------------------------------------- */

/* A sink that is "interrupted" halfway through its first line: the
 * interrupt (the watchdog's tick, say) writes a report of several lines. */
static int interrupt_lines;
static bool interrupted;
static unsigned calls_while_held; /* calls that saw log_writing_held() */

static void interrupted_sink(const char *s, size_t n)
{
	struct capture *c = &cap[0];
	size_t half = n / 2;

	if (log_writing_held())
		calls_while_held++;
	if (interrupted) {
		record(c, s, n);
		return;
	}
	interrupted = true;
	record(c, s, half);
	for (int i = 0; i < interrupt_lines; i++)
		kprintf("watchdog: report line %d\n", i);
	record(c, s + half, n - half);
}

static void test_a_report_written_during_a_line_comes_after_it_whole(void **state)
{
	(void)state;
	unsigned long long held_before = log_held_writes();
	log_remove_all_sinks();
	interrupted = false;
	calls_while_held = 0;
	interrupt_lines = 3;
	log_add_sink(interrupted_sink);
	log_info("the line being written");
	assert_string_equal(cap[0].text, "the line being written\n"
					 "watchdog: report line 0\n"
					 "watchdog: report line 1\n"
					 "watchdog: report line 2\n");
	/* Each held line went to the sink in a call of its own, and the sink
	 * knew them for held (the console writes them synchronously). */
	assert_int_equal(cap[0].calls, 2 + 3);
	assert_string_equal(cap[0].last, "watchdog: report line 2\n");
	assert_int_equal(calls_while_held, 3);
	assert_false(log_writing_held());
	assert_int_equal(log_held_writes() - held_before, 3);
	/* And the log is usable as before. */
	log_info("next");
	assert_string_equal(cap[0].last, "next\n");
}

static void test_held_text_that_does_not_fit_is_counted(void **state)
{
	char line[64], note[64];
	size_t used = 0;
	int fit = 0;

	(void)state;
	/* What LOG_HELD_BYTES holds of 200 report lines, an entry being the
	 * line and 2 bytes of length. */
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)snprintf(line, sizeof(line), "watchdog: report line %d\n", i);
		if (used + 2 + n > LOG_HELD_BYTES)
			break;
		used += 2 + n;
		fit++;
	}
	assert_true(fit < 200);
	log_remove_all_sinks();
	interrupted = false;
	interrupt_lines = 200;
	log_add_sink(interrupted_sink);
	log_info("x");
	snprintf(line, sizeof(line), "watchdog: report line %d\n", fit - 1);
	snprintf(note, sizeof(note), "log: %d lines written during a line lost\n", 200 - fit);
	assert_non_null(strstr(cap[0].text, "x\nwatchdog: report line 0\n"));
	assert_non_null(strstr(cap[0].text, line));
	assert_string_equal(cap[0].last, note);
	assert_int_equal(cap[0].calls, 2 + fit + 1);
}

static void test_in_panic_mode_a_nested_write_goes_out_at_once(void **state)
{
	(void)state;
	log_remove_all_sinks();
	interrupted = false;
	interrupt_lines = 1;
	log_add_sink(interrupted_sink);
	log_panic_mode();
	log_info("line");
	/* A panic from an interrupt never returns to the line it cut: its
	 * report must not wait for it. */
	assert_string_equal(cap[0].text, "liwatchdog: report line 0\nne\n");
}

static void test_raw_output_is_cut_visibly(void **state)
{
	(void)state;
	char msg[600];
	memset(msg, 'c', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';

	kprintf("%s", msg);
	assert_int_equal(cap[0].last_len, LOG_LINE_MAX);
	assert_string_equal(cap[0].last + LOG_LINE_MAX - 5, "c...\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_level_is_info),
		cmocka_unit_test_setup(test_prefixes, setup),
		cmocka_unit_test_setup(test_default_level_drops_debug, setup),
		cmocka_unit_test_setup(test_level_filtering, setup),
		cmocka_unit_test_setup(test_line_that_just_fits_is_not_cut, setup),
		cmocka_unit_test_setup(test_long_line_is_cut_visibly, setup),
		cmocka_unit_test_setup(test_every_sink_gets_each_line, setup),
		cmocka_unit_test_setup(test_remove_all_sinks, setup),
		cmocka_unit_test_setup(test_raw_output, setup),
		cmocka_unit_test_setup(test_raw_output_is_cut_visibly, setup),
		cmocka_unit_test_setup(test_a_report_written_during_a_line_comes_after_it_whole,
				       setup),
		cmocka_unit_test_setup(test_held_text_that_does_not_fit_is_counted, setup),
		cmocka_unit_test_setup(test_in_panic_mode_a_nested_write_goes_out_at_once, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
