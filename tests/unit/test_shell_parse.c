/* capsules/shell_parse.c: splitting words, quotes, numbers, uptime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/shell_parse.h"

static struct shell_words w;
static char line[256];

static enum shell_parse_status split(const char *s)
{
	snprintf(line, sizeof(line), "%s", s);
	memset(&w, 0x5a, sizeof(w));
	return shell_split(line, &w);
}

static void expect_words(const char *s, int argc, const char *const *want)
{
	assert_int_equal(split(s), SHELL_PARSE_OK);
	assert_int_equal(w.argc, argc);
	for (int i = 0; i < argc; i++)
		assert_string_equal(w.argv[i], want[i]);
	assert_null(w.argv[argc]);
}

static void test_plain_words(void **state)
{
	(void)state;
	expect_words("alarm 100 periodic", 3, (const char *const[]){ "alarm", "100", "periodic" });
	expect_words("  help  ", 1, (const char *const[]){ "help" });
	expect_words("a\tb \t c", 3, (const char *const[]){ "a", "b", "c" });
	expect_words("x", 1, (const char *const[]){ "x" });
}

static void test_empty_and_blank_lines_have_no_words(void **state)
{
	(void)state;
	expect_words("", 0, NULL);
	expect_words("   \t ", 0, NULL);
}

static void test_quotes_group_and_escape(void **state)
{
	(void)state;
	expect_words("echo \"hello   world\" x", 3,
		     (const char *const[]){ "echo", "hello   world", "x" });
	expect_words("echo \"say \\\"hi\\\"\"", 2, (const char *const[]){ "echo", "say \"hi\"" });
	expect_words("echo \"back\\\\slash\"", 2, (const char *const[]){ "echo", "back\\slash" });
	expect_words("echo a\"b c\"d", 2, (const char *const[]){ "echo", "ab cd" });
	expect_words("echo \"\"", 2, (const char *const[]){ "echo", "" });
	/* Outside quotes a backslash is just a character. */
	expect_words("echo a\\b", 2, (const char *const[]){ "echo", "a\\b" });
	/* Inside quotes, other escapes are kept as written. */
	expect_words("echo \"a\\nb\"", 2, (const char *const[]){ "echo", "a\\nb" });
}

static void test_unterminated_quote_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(split("echo \"oops"), SHELL_PARSE_UNTERMINATED_QUOTE);
	assert_int_equal(w.argc, 0);
	assert_null(w.argv[0]);
	assert_int_equal(split("echo \"a\\\""), SHELL_PARSE_UNTERMINATED_QUOTE);
	assert_string_equal(shell_parse_status_text(SHELL_PARSE_UNTERMINATED_QUOTE),
			    "a \" is not closed");
}

static void test_too_many_words_is_an_error(void **state)
{
	(void)state;
	expect_words("1 2 3 4 5 6 7 8", 8,
		     (const char *const[]){ "1", "2", "3", "4", "5", "6", "7", "8" });
	assert_int_equal(split("1 2 3 4 5 6 7 8 9"), SHELL_PARSE_TOO_MANY_WORDS);
	assert_int_equal(w.argc, 0);
	/* Trailing blanks after the 8th word are fine. */
	assert_int_equal(split("1 2 3 4 5 6 7 8   "), SHELL_PARSE_OK);
	assert_string_equal(shell_parse_status_text(SHELL_PARSE_TOO_MANY_WORDS),
			    "too many words (at most 8)");
}

static void test_numbers(void **state)
{
	(void)state;
	uint64_t v = 77;
	assert_true(shell_parse_u64("0", 10, &v));
	assert_int_equal(v, 0);
	assert_true(shell_parse_u64("100", 1000, &v));
	assert_int_equal(v, 100);
	assert_true(shell_parse_u64("1000", 1000, &v));
	assert_int_equal(v, 1000);
	assert_true(shell_parse_u64("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	v = 77;
	assert_false(shell_parse_u64("1001", 1000, &v));
	assert_false(shell_parse_u64("18446744073709551616", UINT64_MAX, &v));
	assert_false(shell_parse_u64("99999999999999999999999", UINT64_MAX, &v));
	assert_false(shell_parse_u64("7", 5, &v));
	assert_false(shell_parse_u64("", 10, &v));
	assert_false(shell_parse_u64(NULL, 10, &v));
	assert_false(shell_parse_u64("-1", 10, &v));
	assert_false(shell_parse_u64("+1", 10, &v));
	assert_false(shell_parse_u64("1x", 10, &v));
	assert_false(shell_parse_u64("0x10", 100, &v));
	assert_false(shell_parse_u64(" 1", 10, &v));
	assert_int_equal(v, 77); /* untouched on failure */
}

static void test_uptime_format(void **state)
{
	(void)state;
	char buf[64];
	shell_format_uptime(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0:00:00.000");
	shell_format_uptime(buf, sizeof(buf), 1999);
	assert_string_equal(buf, "0:00:00.001");
	shell_format_uptime(buf, sizeof(buf), 61 * 1000000ull + 234567);
	assert_string_equal(buf, "0:01:01.234");
	shell_format_uptime(buf, sizeof(buf), (3600ull * 100 + 59 * 60 + 59) * 1000000 + 999999);
	assert_string_equal(buf, "100:59:59.999");
	assert_int_equal(shell_format_uptime(buf, 4, 0), 11); /* snprintf contract */
	assert_string_equal(buf, "0:0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_empty_and_blank_lines_have_no_words),
		cmocka_unit_test(test_quotes_group_and_escape),
		cmocka_unit_test(test_unterminated_quote_is_an_error),
		cmocka_unit_test(test_too_many_words_is_an_error),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_uptime_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
