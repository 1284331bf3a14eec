/* Cells (kernel/cell.h): ownership semantics and the loop-context check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cell.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_log.h"

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	return 0;
}

static void test_take_twice_yields_null_the_second_time(void **state)
{
	(void)state;
	int buffer;
	struct take_cell c = { .ptr = &buffer };
	assert_true(take_cell_is_some(&c));
	assert_ptr_equal(take_cell_take(&c), &buffer);
	assert_false(take_cell_is_some(&c));
	assert_null(take_cell_take(&c));
}

static void test_replace_returns_the_old_contents(void **state)
{
	(void)state;
	int a, b;
	struct take_cell c = { 0 };
	assert_null(take_cell_replace(&c, &a));
	assert_ptr_equal(take_cell_replace(&c, &b), &a);
	assert_ptr_equal(take_cell_take(&c), &b);
}

static unsigned map_runs;

static void add_arg(void *contents, void *arg)
{
	map_runs++;
	*(int *)contents += *(int *)arg;
}

static void test_map_runs_only_when_full(void **state)
{
	(void)state;
	int value = 40, two = 2;
	struct map_cell c = { 0 };

	map_runs = 0;
	assert_false(map_cell_map(&c, add_arg, &two));
	assert_int_equal(map_runs, 0);

	map_cell_put(&c, &value);
	assert_true(map_cell_map(&c, add_arg, &two));
	assert_int_equal(map_runs, 1);
	assert_int_equal(value, 42);
	/* map does not empty the cell */
	assert_true(map_cell_map(&c, add_arg, &two));
	assert_int_equal(value, 44);
}

static void test_opt_cell_set_get_clear(void **state)
{
	(void)state;
	struct opt_cell c = { 0 };
	uintptr_t v = 7;

	assert_false(opt_cell_get(&c, &v));
	assert_int_equal(v, 7); /* untouched when empty */

	opt_cell_set(&c, 0x1234);
	assert_true(opt_cell_get(&c, &v));
	assert_int_equal(v, 0x1234);
	assert_true(opt_cell_get(&c, NULL));

	/* zero is a value, not "empty" */
	opt_cell_set(&c, 0);
	assert_true(opt_cell_get(&c, &v));
	assert_int_equal(v, 0);

	opt_cell_clear(&c);
	assert_false(opt_cell_get(&c, &v));
}

/* Every operation, run once inside a pretend exception handler. */
static struct opt_cell oc;
static struct take_cell tc;
static struct map_cell mc;
static int dummy;

static void noop_map(void *contents, void *arg)
{
	(void)contents;
	(void)arg;
}

static void op_opt_set(void)
{
	opt_cell_set(&oc, 1);
}

static void op_opt_clear(void)
{
	opt_cell_clear(&oc);
}

static void op_opt_get(void)
{
	opt_cell_get(&oc, NULL);
}

static void op_take(void)
{
	take_cell_take(&tc);
}

static void op_replace(void)
{
	take_cell_replace(&tc, &dummy);
}

static void op_is_some(void)
{
	take_cell_is_some(&tc);
}

static void op_map(void)
{
	map_cell_map(&mc, noop_map, NULL);
}

static void op_put(void)
{
	map_cell_put(&mc, &dummy);
}

static const struct {
	void (*op)(void);
	const char *name;
} cell_ops[] = {
	{ op_opt_set, "opt_cell_set" },      { op_opt_clear, "opt_cell_clear" },
	{ op_opt_get, "opt_cell_get" },      { op_take, "take_cell_take" },
	{ op_replace, "take_cell_replace" }, { op_is_some, "take_cell_is_some" },
	{ op_map, "map_cell_map" },          { op_put, "map_cell_put" },
};

static void test_every_cell_op_works_in_loop_context(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cell_ops) / sizeof(cell_ops[0]); i++)
		cell_ops[i].op();
	assert_null(strstr(fake_log, "PANIC"));
}

static void test_every_cell_op_panics_in_a_handler(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cell_ops) / sizeof(cell_ops[0]); i++) {
		char expected[96];
		loop_reset_for_test();
		fake_log_clear();
		fake_cpu.handler_depth = 1 + (uint32_t)i;
		expect_assert_failure(cell_ops[i].op());
		snprintf(expected, sizeof(expected),
			 "PANIC: %s outside loop context (handler depth %zu)", cell_ops[i].name,
			 1 + i);
		assert_non_null(strstr(fake_log, expected));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_take_twice_yields_null_the_second_time, setup),
		cmocka_unit_test_setup(test_replace_returns_the_old_contents, setup),
		cmocka_unit_test_setup(test_map_runs_only_when_full, setup),
		cmocka_unit_test_setup(test_opt_cell_set_get_clear, setup),
		cmocka_unit_test_setup(test_every_cell_op_works_in_loop_context, setup),
		cmocka_unit_test_setup(test_every_cell_op_panics_in_a_handler, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
