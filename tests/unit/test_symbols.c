/*
 * Symbol lookups (kernel/symbols.h) against the table in fake_symbols.c:
 *   0x1000 +0x40 fake_start, 0x1040 size 0 fake_label,
 *   0x1100 +0x20 fake_middle, (gap), 0x1200 +0x10 fake_end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/loop.h"
#include "kernel/symbols.h"
#include "fake_arch.h"

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	return 0;
}

/* Looks addr up and checks the name and offset (name NULL: no symbol). */
static void expect_symbol(uintptr_t addr, const char *name, uintptr_t offset)
{
	uintptr_t off = 0xdead;
	const char *found = symbol_lookup(addr, &off);

	if (!name) {
		assert_null(found);
		return;
	}
	assert_non_null(found);
	assert_string_equal(found, name);
	assert_int_equal(off, offset);
}

static void test_below_the_first_symbol_is_unknown(void **state)
{
	(void)state;
	expect_symbol(0, NULL, 0);
	expect_symbol(0xfff, NULL, 0);
}

static void test_inside_and_at_the_edges_of_a_sized_symbol(void **state)
{
	(void)state;
	expect_symbol(0x1000, "fake_start", 0);
	expect_symbol(0x1001, "fake_start", 1);
	expect_symbol(0x103f, "fake_start", 0x3f);
	expect_symbol(0x1100, "fake_middle", 0);
	expect_symbol(0x111f, "fake_middle", 0x1f);
	expect_symbol(0x1200, "fake_end", 0);
	expect_symbol(0x120f, "fake_end", 0xf);
}

static void test_past_the_size_is_unknown(void **state)
{
	(void)state;
	expect_symbol(0x1120, NULL, 0);
	expect_symbol(0x11ff, NULL, 0);
	expect_symbol(0x1210, NULL, 0);
	expect_symbol(UINTPTR_MAX, NULL, 0);
}

static void test_size_zero_reaches_up_to_the_next_symbol(void **state)
{
	(void)state;
	expect_symbol(0x1040, "fake_label", 0);
	expect_symbol(0x10ff, "fake_label", 0xbf);
	expect_symbol(0x1100, "fake_middle", 0);
}

static void test_offset_pointer_may_be_null(void **state)
{
	(void)state;
	assert_string_equal(symbol_lookup(0x1105, NULL), "fake_middle");
}

static void test_address_by_name(void **state)
{
	(void)state;
	assert_int_equal(symbol_address("fake_start"), 0x1000);
	assert_int_equal(symbol_address("fake_label"), 0x1040);
	assert_int_equal(symbol_address("fake_middle"), 0x1100);
	assert_int_equal(symbol_address("fake_end"), 0x1200);
	assert_int_equal(symbol_address("fake"), 0);
	assert_int_equal(symbol_address("fake_end_"), 0);
	assert_int_equal(symbol_address(""), 0);
}

/* The fake table itself must obey the generator's contract. */
static void test_table_is_sorted(void **state)
{
	(void)state;
	assert_true(ksyms_count >= 4);
	for (uint32_t i = 1; i < ksyms_count; i++)
		assert_true(ksyms[i - 1].addr <= ksyms[i].addr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_below_the_first_symbol_is_unknown, setup),
		cmocka_unit_test_setup(test_inside_and_at_the_edges_of_a_sized_symbol, setup),
		cmocka_unit_test_setup(test_past_the_size_is_unknown, setup),
		cmocka_unit_test_setup(test_size_zero_reaches_up_to_the_next_symbol, setup),
		cmocka_unit_test_setup(test_offset_pointer_may_be_null, setup),
		cmocka_unit_test_setup(test_address_by_name, setup),
		cmocka_unit_test_setup(test_table_is_sorted, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
