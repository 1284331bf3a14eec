/*
 * kernel/lab/irq_stamps.c: which first interrupt a service reads. The
 * test plays the stamped top half as tools/gen_top_halves.py generates it
 * (tests/e2e/test_top_halves.py checks the real one, instruction by
 * instruction) and the loop's take, and the service must get the first
 * interrupt of its own service even when another has set its bit again
 * between the take and the read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/cpu.h"
#include "kernel/lab/irq_stamps.h"

#define BIT 3

static struct cpu cpu;

/* The stamped stub: stamp and count the entry, `lock bts`; from its
 * carry, keep the stamp as the first one (moving the old first to
 * irq_first_prev) only when the bit was clear. */
static void stamped_top_half(uint64_t tsc)
{
	cpu.irq_stamp[BIT] = tsc;
	cpu.irq_entered[BIT]++;
	int was_set = (cpu.pending >> BIT) & 1;
	cpu.pending |= 1ull << BIT;
	if (!was_set) {
		cpu.irq_first_prev[BIT] = cpu.irq_first[BIT];
		cpu.irq_first[BIT] = tsc;
	}
	cpu.irq_found_set[BIT] += was_set;
}

static void loop_take(void)
{
	cpu.pending = 0;
}

static int reset(void **state)
{
	(void)state;
	cpu = (struct cpu){ 0 };
	return 0;
}

static void test_a_service_reads_its_first_and_last_interrupt(void **state)
{
	(void)state;
	stamped_top_half(100);
	stamped_top_half(200);
	stamped_top_half(300);
	loop_take();

	struct irq_stamps s = irq_stamps_read(&cpu, BIT);
	assert_int_equal(s.first, 100);
	assert_int_equal(s.last, 300);
	assert_int_equal(s.entered, 3);
}

static void test_an_interrupt_after_the_take_does_not_move_the_first(void **state)
{
	(void)state;
	stamped_top_half(100); /* a 20 ms callback runs meanwhile... */
	stamped_top_half(200);
	loop_take();
	stamped_top_half(20000100); /* ...and one lands before the client reads */

	struct irq_stamps s = irq_stamps_read(&cpu, BIT);
	assert_int_equal(s.first, 100);
	/* The next service's first is that late one. */
	loop_take();
	assert_int_equal(irq_stamps_read(&cpu, BIT).first, 20000100);
}

static void test_services_in_turn_each_get_their_own_first(void **state)
{
	(void)state;
	for (uint64_t round = 1; round <= 5; round++) {
		stamped_top_half(round * 1000);
		stamped_top_half(round * 1000 + 10);
		loop_take();
		assert_int_equal(irq_stamps_read(&cpu, BIT).first, round * 1000);
	}
	/* Other bits pending do not count as this one set again. */
	stamped_top_half(9000);
	loop_take();
	cpu.pending = ~(1ull << BIT);
	assert_int_equal(irq_stamps_read(&cpu, BIT).first, 9000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_service_reads_its_first_and_last_interrupt, reset),
		cmocka_unit_test_setup(test_an_interrupt_after_the_take_does_not_move_the_first,
				       reset),
		cmocka_unit_test_setup(test_services_in_turn_each_get_their_own_first, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
