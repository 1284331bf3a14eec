/*
 * kernel/fmt.c against the host's (glibc's) snprintf: the same format and
 * value must give the same bytes and the same return value, for every
 * buffer size from 0 up, and nothing may be written past n.
 *
 * Most cases are generated: every combination of flags, width, precision
 * and length modifier with a set of edge values. The formats are built at
 * run time, so gcc's -Wformat cannot check them; that is on purpose,
 * since some combinations (like '#' with %d) are only defined by glibc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/fmt.h"

#define BUF 160
#define SENTINEL 0x5a

static unsigned cases_checked;

/* Buffer sizes tried for every case: 0 (with a NULL buffer), tiny, full. */
static const size_t sizes[] = { 0, 1, 2, 3, 7, 16, BUF - 16 };

/*
 * Compare one call's output. `ours` / `theirs` were produced into buffers
 * of BUF bytes filled with SENTINEL, of which only n were offered.
 */
static void compare(const char *fmt, size_t n, int ours_ret, const char *ours, int theirs_ret,
		    const char *theirs)
{
	if (ours_ret != theirs_ret)
		fail_msg("format \"%s\" n=%zu: returned %d, glibc %d (glibc wrote \"%s\")", fmt, n,
			 ours_ret, theirs_ret, theirs);
	if (memcmp(ours, theirs, BUF) != 0)
		fail_msg("format \"%s\" n=%zu: wrote \"%.*s\", glibc \"%.*s\"", fmt, n, (int)n,
			 ours, (int)n, theirs);
	for (size_t i = n; i < BUF; i++)
		if ((unsigned char)ours[i] != SENTINEL)
			fail_msg("format \"%s\" n=%zu: byte %zu written", fmt, n, i);
	cases_checked++;
}

/* One check_<type> per argument type, so both sides get the same va_list. */
#define DEFINE_CHECK(name, type)                                                \
	static void name(const char *fmt, type v)                               \
	{                                                                       \
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) { \
			char ours[BUF], theirs[BUF];                            \
			size_t n = sizes[i];                                    \
			memset(ours, SENTINEL, BUF);                            \
			memset(theirs, SENTINEL, BUF);                          \
			int r1 = ksnprintf(n ? ours : NULL, n, fmt, v);         \
			int r2 = snprintf(n ? theirs : NULL, n, fmt, v);        \
			compare(fmt, n, r1, ours, r2, theirs);                  \
		}                                                               \
	}

DEFINE_CHECK(check_int, int)
DEFINE_CHECK(check_long, long)
DEFINE_CHECK(check_llong, long long)
DEFINE_CHECK(check_ptr, void *)
DEFINE_CHECK(check_str, const char *)

static const char *const flag_sets[] = { "",   "-",  "0",  "+",  " ",  "#",  "-0",
					 "+0", "- ", "#0", "-#", "+ ", "0#+" };
static const char *const widths[] = { "", "1", "6", "23" };
static const char *const precisions[] = { "", ".", ".0", ".1", ".4", ".21" };

/* Calls fn(format) for every flags/width/precision around `conv`. */
static void for_each_spec(const char *conv, void (*fn)(const char *fmt, const void *ctx),
			  const void *ctx)
{
	char fmt[64];

	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s>", flag_sets[f], widths[w],
					 precisions[p], conv);
				fn(fmt, ctx);
			}
}

static const long long signed_values[] = {
	0,         1,         -1,           7,         -7,        42,           -42,
	127,       -128,      255,          32767,     -32768,    65535,        1000000,
	INT32_MAX, INT32_MIN, 2147483648LL, INT64_MAX, INT64_MIN, -1000000007LL
};

static void signed_all(const char *fmt, const void *ctx)
{
	const char *len = ctx;

	for (size_t i = 0; i < sizeof(signed_values) / sizeof(signed_values[0]); i++) {
		long long v = signed_values[i];
		if (!strcmp(len, "ll") || !strcmp(len, "j"))
			check_llong(fmt, v);
		else if (!strcmp(len, "l") || !strcmp(len, "z") || !strcmp(len, "t"))
			check_long(fmt, (long)v);
		else
			check_int(fmt, (int)v); /* hh and h take an int too */
	}
}

static void test_signed_conversions(void **state)
{
	(void)state;
	static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const char convs[] = { 'd', 'i' };
	char conv[8];

	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
		for (size_t c = 0; c < sizeof(convs); c++) {
			snprintf(conv, sizeof(conv), "%s%c", lengths[l], convs[c]);
			for_each_spec(conv, signed_all, lengths[l]);
		}
}

static void test_unsigned_conversions(void **state)
{
	(void)state;
	static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j" };
	static const char convs[] = { 'u', 'x', 'X', 'o' };
	char conv[8];

	/* The signed values double as unsigned ones: -1 is all ones, etc. */
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
		for (size_t c = 0; c < sizeof(convs); c++) {
			snprintf(conv, sizeof(conv), "%s%c", lengths[l], convs[c]);
			for_each_spec(conv, signed_all, lengths[l]);
		}
}

static void strings_all(const char *fmt, const void *ctx)
{
	(void)ctx;
	static const char *const values[] = { "", "a", "hello", "(null) look-alike",
					      "a much longer string than any width" };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		check_str(fmt, values[i]);
	check_str(fmt, NULL); /* glibc: "(null)", or "" if the precision is under 6 */
}

static void test_strings(void **state)
{
	(void)state;
	for_each_spec("s", strings_all, NULL);
}

static void chars_all(const char *fmt, const void *ctx)
{
	(void)ctx;
	check_int(fmt, 'x');
	check_int(fmt, ' ');
	check_int(fmt, 0);     /* a NUL character is still one character */
	check_int(fmt, 0x1ff); /* converted to unsigned char */
}

static void test_chars(void **state)
{
	(void)state;
	for_each_spec("c", chars_all, NULL);
}

static void pointers_all(const char *fmt, const void *ctx)
{
	(void)ctx;
	check_ptr(fmt, NULL); /* "(nil)" */
	check_ptr(fmt, (void *)1);
	check_ptr(fmt, (void *)0x1234);
	check_ptr(fmt, (void *)0xffff800000001000ull);
	check_ptr(fmt, (void *)UINTPTR_MAX);
}

static void test_pointers(void **state)
{
	(void)state;
	for_each_spec("p", pointers_all, NULL);
}

/* '*' width and precision, including the negative cases. */
static void test_star(void **state)
{
	(void)state;
	static const int stars[] = { -30, -5, -1, 0, 1, 5, 30 };
	char ours[BUF], theirs[BUF];

	for (size_t i = 0; i < 7; i++)
		for (size_t j = 0; j < 7; j++) {
			for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				size_t n = sizes[s];
				memset(ours, SENTINEL, BUF);
				memset(theirs, SENTINEL, BUF);
				int r1 = ksnprintf(n ? ours : NULL, n, "[%*.*d|%-*s|%.*s]",
						   stars[i], stars[j], -12345, stars[i], "ab",
						   stars[j], "abcdef");
				int r2 = snprintf(n ? theirs : NULL, n, "[%*.*d|%-*s|%.*s]",
						  stars[i], stars[j], -12345, stars[i], "ab",
						  stars[j], "abcdef");
				compare("[%*.*d|%-*s|%.*s]", n, r1, ours, r2, theirs);
			}
		}
}

/* Several conversions in one format, so argument order is checked too. */
static void test_mixed(void **state)
{
	(void)state;
	char ours[BUF], theirs[BUF];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		memset(ours, SENTINEL, BUF);
		memset(theirs, SENTINEL, BUF);
		int r1 = ksnprintf(n ? ours : NULL, n, "%s=%d %c %llx %% %p %hhu %zu%lu!", "key",
				   -3, 'q', 0xdeadbeefcafeull, (void *)0x1000, 300, (size_t)77,
				   9ul);
		int r2 = snprintf(n ? theirs : NULL, n, "%s=%d %c %llx %% %p %hhu %zu%lu!", "key",
				  -3, 'q', 0xdeadbeefcafeull, (void *)0x1000, 300, (size_t)77, 9ul);
		compare("mixed", n, r1, ours, r2, theirs);
	}
}

static int call(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* What glibc does not define the same way: fixed expectations. */
static void test_fixed_expectations(void **state)
{
	(void)state;
	char buf[64];
	const char *unknown = "a%qb"; /* hidden from -Wformat */
	const char *unknown_flags = "%-5q|%ld";
	const char *lone = "50%";
	const char *refused = "x%ny";

	assert_int_equal(call(buf, sizeof(buf), unknown), 4);
	assert_string_equal(buf, "a%qb");
	/* The unknown conversion takes no argument: the next one still lines up. */
	assert_int_equal(call(buf, sizeof(buf), unknown_flags, 12L), 7);
	assert_string_equal(buf, "%-5q|12");
	assert_int_equal(call(buf, sizeof(buf), lone), 3);
	assert_string_equal(buf, "50%");
	/* %n would write through a pointer: refused, printed as text. */
	int dummy = 0;
	assert_int_equal(call(buf, sizeof(buf), refused, &dummy), 4);
	assert_string_equal(buf, "x%ny");
	assert_int_equal(dummy, 0);

	assert_int_equal(ksnprintf(buf, sizeof(buf), "%lld", (long long)INT64_MIN), 20);
	assert_string_equal(buf, "-9223372036854775808");
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%p|%s", NULL, (char *)NULL), 12);
	assert_string_equal(buf, "(nil)|(null)");

	/* Truncation: n-1 characters, a NUL, and the full length returned. */
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 4, "%d", 123456), 6);
	assert_string_equal(buf, "123");
	assert_int_equal(buf[4], 'z');
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'z');
	assert_int_equal(ksnprintf(NULL, 0, "%s", "hello"), 5);
}

/* The generated tests must really have run (guards against empty tables). */
static void test_case_count(void **state)
{
	(void)state;
	print_message("fmt: %u comparisons with glibc\n", cases_checked);
	assert_true(cases_checked > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_conversions),
		cmocka_unit_test(test_unsigned_conversions),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_fixed_expectations),
		cmocka_unit_test(test_case_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
