/*
 * kernel/cmdline.c: word splitting, key matching on whole keys only, the
 * last occurrence winning, and the bounded copies of set/append/value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "fake_log.h"

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	cmdline_set("");
	return 0;
}

/* Finds key in line and checks the value (NULL: must not be found). */
static void check_value(const char *line, const char *key, const char *want)
{
	const char *val = NULL;
	size_t len = 12345;
	bool found = cmdline_find(line, key, &val, &len);

	if (!want) {
		if (found)
			fail_msg("'%s' in \"%s\": found, expected absent", key, line);
		return;
	}
	if (!found)
		fail_msg("'%s' in \"%s\": not found", key, line);
	if (len != strlen(want) || memcmp(val, want, len) != 0)
		fail_msg("'%s' in \"%s\": value \"%.*s\", expected \"%s\"", key, line, (int)len,
			 val, want);
}

static void test_find_values_and_bare_keys(void **state)
{
	(void)state;
	const char *line = "quiet log=debug panic=reboot  smp=4";

	check_value(line, "quiet", "");
	check_value(line, "log", "debug");
	check_value(line, "panic", "reboot");
	check_value(line, "smp", "4");
	check_value(line, "missing", NULL);
	check_value("k=", "k", "");       /* an empty value is still found */
	check_value("k=a=b", "k", "a=b"); /* only the first '=' splits */
	check_value("", "k", NULL);
	check_value("   \t ", "k", NULL);
}

static void test_key_must_be_a_whole_key(void **state)
{
	(void)state;
	check_value("faulty=1", "fault", NULL);
	check_value("xfault=1", "fault", NULL);
	check_value("faultx fault_=1 xfault", "fault", NULL);
	check_value("faulty=1 fault=pf xfault=2", "fault", "pf");
	check_value("fault", "faulty", NULL);
	check_value("a=fault", "fault", NULL); /* a value is not a key */
	check_value("f", "fault", NULL);
}

static void test_last_occurrence_wins(void **state)
{
	(void)state;
	check_value("k=1 k=2", "k", "2");
	check_value("k=1 other=3 k=22 x", "k", "22");
	check_value("k=1 k", "k", ""); /* a later bare key overrides a value */
	check_value("k k=last", "k", "last");
}

static void test_blanks_separate_words(void **state)
{
	(void)state;
	const char *line = "\t a=1 \t\tb=2  c=3\n";

	check_value(line, "a", "1");
	check_value(line, "b", "2");
	check_value(line, "c", "3"); /* a trailing newline is not in the value */
	check_value("a=1\tb=2", "a", "1");
}

static void test_find_bad_arguments(void **state)
{
	(void)state;
	assert_false(cmdline_find(NULL, "k", NULL, NULL));
	assert_false(cmdline_find("k=1", "", NULL, NULL));
	assert_false(cmdline_find("=1", "", NULL, NULL));
	assert_true(cmdline_find("k=1", "k", NULL, NULL)); /* val/len optional */
}

static void test_set_get_value_has(void **state)
{
	(void)state;
	char out[16];

	cmdline_set("fault=pf quiet");
	assert_string_equal(cmdline_get(), "fault=pf quiet");
	assert_true(cmdline_has("quiet"));
	assert_true(cmdline_has("fault"));
	assert_false(cmdline_has("fau"));

	memset(out, 'z', sizeof(out));
	assert_true(cmdline_value("fault", out, sizeof(out)));
	assert_string_equal(out, "pf");
	assert_true(cmdline_value("quiet", out, sizeof(out)));
	assert_string_equal(out, "");

	strcpy(out, "untouched");
	assert_false(cmdline_value("nope", out, sizeof(out)));
	assert_string_equal(out, "untouched");
	assert_string_equal(fake_log, ""); /* nothing here deserves a warning */

	cmdline_set(NULL);
	assert_string_equal(cmdline_get(), "");
}

static void test_value_is_cut_to_fit(void **state)
{
	(void)state;
	char out[8];

	cmdline_set("name=abcdefghijkl");
	memset(out, 'z', sizeof(out));
	assert_true(cmdline_value("name", out, 4));
	assert_string_equal(out, "abc");
	assert_int_equal(out[4], 'z');

	/* A value exactly out_len long still needs room for its NUL. */
	cmdline_set("name=abcd");
	memset(out, 'z', sizeof(out));
	assert_true(cmdline_value("name", out, 4));
	assert_string_equal(out, "abc");
	assert_int_equal(out[4], 'z');
	assert_true(cmdline_value("name", out, 5));
	assert_string_equal(out, "abcd");

	memset(out, 'z', sizeof(out));
	assert_true(cmdline_value("name", out, 0)); /* found, nothing written */
	assert_int_equal(out[0], 'z');
}

static void test_set_truncates_with_warning(void **state)
{
	(void)state;
	char longline[CMDLINE_MAX + 100];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';

	cmdline_set(longline);
	assert_int_equal(strlen(cmdline_get()), CMDLINE_MAX - 1);
	assert_non_null(strstr(fake_log, "warning: cmdline:"));

	/* Exactly CMDLINE_MAX-1 fits without a warning. */
	fake_log_clear();
	longline[CMDLINE_MAX - 1] = '\0';
	cmdline_set(longline);
	assert_int_equal(strlen(cmdline_get()), CMDLINE_MAX - 1);
	assert_string_equal(fake_log, "");
}

static void test_append(void **state)
{
	(void)state;
	cmdline_append("a=1"); /* to an empty line: no leading space */
	assert_string_equal(cmdline_get(), "a=1");
	cmdline_append("b=2 c");
	assert_string_equal(cmdline_get(), "a=1 b=2 c");
	cmdline_append("");
	cmdline_append(NULL);
	assert_string_equal(cmdline_get(), "a=1 b=2 c");
	cmdline_append("a=3"); /* appended options override earlier ones */
	assert_true(cmdline_find(cmdline_get(), "a", NULL, NULL));
	char out[8];
	assert_true(cmdline_value("a", out, sizeof(out)));
	assert_string_equal(out, "3");
	assert_string_equal(fake_log, "");
}

static void test_append_truncates_with_warning(void **state)
{
	(void)state;
	char words[CMDLINE_MAX];
	memset(words, 'y', CMDLINE_MAX - 10);
	words[CMDLINE_MAX - 10] = '\0';

	cmdline_set("start");
	cmdline_append(words);
	assert_string_equal(fake_log, "");
	cmdline_append("overflowing=1");
	const char *line = cmdline_get();
	assert_int_equal(strlen(line), CMDLINE_MAX - 1);
	/* "start" + " " + words + " " + the part of "overflowing=1" that fits */
	assert_int_equal(strncmp(line + strlen(line) - 2, "ov", 2), 0);
	assert_non_null(strstr(fake_log, "warning: cmdline:"));

	/* Appending to a full line changes nothing and warns again. */
	fake_log_clear();
	cmdline_append("more");
	assert_int_equal(strlen(cmdline_get()), CMDLINE_MAX - 1);
	assert_non_null(strstr(fake_log, "warning: cmdline:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_find_values_and_bare_keys, setup),
		cmocka_unit_test_setup(test_key_must_be_a_whole_key, setup),
		cmocka_unit_test_setup(test_last_occurrence_wins, setup),
		cmocka_unit_test_setup(test_blanks_separate_words, setup),
		cmocka_unit_test_setup(test_find_bad_arguments, setup),
		cmocka_unit_test_setup(test_set_get_value_has, setup),
		cmocka_unit_test_setup(test_value_is_cut_to_fit, setup),
		cmocka_unit_test_setup(test_set_truncates_with_warning, setup),
		cmocka_unit_test_setup(test_append, setup),
		cmocka_unit_test_setup(test_append_truncates_with_warning, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
