/* The pending word (kernel/pending.h): atomic set, atomic take-all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/cpu.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "fake_arch.h"

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	return 0;
}

/* Top halves set bits with `lock bts qword [gs:CPU_PENDING_OFFSET]`. */
static void test_pending_is_at_the_offset_top_halves_use(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct cpu, pending), CPU_PENDING_OFFSET);
	assert_int_equal(sizeof(((struct cpu *)0)->pending), 8);
}

static void test_take_all_returns_every_bit_and_leaves_zero(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 0);
	pending_set(&fake_cpu, 17);
	pending_set(&fake_cpu, 63);
	assert_int_equal(pending_peek(&fake_cpu), (1ull << 0) | (1ull << 17) | (1ull << 63));

	assert_int_equal(pending_take_all(&fake_cpu), (1ull << 0) | (1ull << 17) | (1ull << 63));
	assert_int_equal(fake_cpu.pending, 0);
	assert_int_equal(pending_take_all(&fake_cpu), 0);
}

static void test_setting_a_set_bit_coalesces(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 5);
	pending_set(&fake_cpu, 5);
	assert_int_equal(pending_take_all(&fake_cpu), 1ull << 5);
}

static void test_bits_set_after_take_wait_for_the_next_take(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 3);
	assert_int_equal(pending_take_all(&fake_cpu), 1ull << 3);
	pending_set(&fake_cpu, 9);
	pending_set(&fake_cpu, 3);
	assert_int_equal(pending_peek(&fake_cpu), (1ull << 3) | (1ull << 9));
	assert_int_equal(pending_take_all(&fake_cpu), (1ull << 3) | (1ull << 9));
	assert_int_equal(pending_peek(&fake_cpu), 0);
}

/* peek must not consume anything: the sleep check uses it. */
static void test_peek_leaves_bits_in_place(void **state)
{
	(void)state;
	pending_set(&fake_cpu, 40);
	assert_int_equal(pending_peek(&fake_cpu), 1ull << 40);
	assert_int_equal(pending_peek(&fake_cpu), 1ull << 40);
	assert_int_equal(pending_take_all(&fake_cpu), 1ull << 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pending_is_at_the_offset_top_halves_use, setup),
		cmocka_unit_test_setup(test_take_all_returns_every_bit_and_leaves_zero, setup),
		cmocka_unit_test_setup(test_setting_a_set_bit_coalesces, setup),
		cmocka_unit_test_setup(test_bits_set_after_take_wait_for_the_next_take, setup),
		cmocka_unit_test_setup(test_peek_leaves_bits_in_place, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
