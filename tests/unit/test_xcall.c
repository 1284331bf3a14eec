/*
 * Several CPUs on the host: per-CPU loop contexts (kernel/loop.c), the
 * cross-CPU call (kernel/xcall.h) with its wake-up IPI only for a sleeping
 * target, the loop's idle mark around the sleep, and kernel/cpus.h.
 * The "other CPUs" are struct cpu blocks the fake arch hands out by id;
 * their loops are run by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cpus.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/pending.h"
#include "kernel/xcall.h"
#include "fake_arch.h"
#include "fake_log.h"

static struct cpu cpu1, cpu2;

/* Which context each call got, in order. */
static void *seen[8];
static unsigned seen_count;

static void record(void *ctx)
{
	assert_true(seen_count < 8);
	seen[seen_count++] = ctx;
}

static void other(void *ctx)
{
	(void)ctx;
}

static void add_cpu(struct cpu *c, unsigned id, enum cpu_state state)
{
	memset(c, 0, sizeof(*c));
	c->self = c;
	c->id = id;
	c->hw_id = 10 + id;
	c->state = state;
	fake_cpus[id] = c;
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	seen_count = 0;
	xcall_always_ipi = false;
	fake_cpu.state = CPU_ONLINE;
	add_cpu(&cpu1, 1, CPU_ONLINE);
	add_cpu(&cpu2, 2, CPU_STARTING);
	return 0;
}

/* Register `fn` with `ctx` for `xc` on CPU `c` (as that CPU would). */
static void register_on(struct cpu *c, const struct xcall *xc, loop_client_fn fn, void *ctx)
{
	fake_arch_set_this_cpu(c);
	xcall_register(xc, "test", fn, ctx);
	fake_arch_set_this_cpu(NULL);
}

static void test_each_cpu_answers_a_bit_with_its_own_context(void **state)
{
	struct xcall xc;
	int ctx0, ctx1;

	(void)state;
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, &ctx0);
	register_on(&cpu1, &xc, record, &ctx1);

	assert_true(xcall_set(&xc, 1));
	assert_int_equal(cpu1.pending, xc.mask);
	assert_int_equal(fake_cpu.pending, 0);
	fake_arch_set_this_cpu(&cpu1);
	assert_int_equal(loop_round(&cpu1), xc.mask);
	fake_arch_set_this_cpu(NULL);
	assert_true(xcall_set(&xc, 0));
	loop_round(&fake_cpu);

	assert_int_equal(seen_count, 2);
	assert_ptr_equal(seen[0], &ctx1);
	assert_ptr_equal(seen[1], &ctx0);
	assert_true(loop_has_client(0, xc.bit));
	assert_true(loop_has_client(1, xc.bit));
	assert_false(loop_has_client(2, xc.bit));
}

static void test_another_cpu_must_use_the_boot_cpus_client(void **state)
{
	struct xcall xc;

	(void)state;
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, NULL);
	fake_arch_set_this_cpu(&cpu1);
	expect_assert_failure(xcall_register(&xc, "test", other, NULL));
	fake_arch_set_this_cpu(NULL);
	assert_non_null(strstr(fake_log, "cpu 1 must answer bit"));
}

static void test_another_cpu_cannot_register_twice(void **state)
{
	struct xcall xc;

	(void)state;
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, NULL);
	register_on(&cpu1, &xc, record, NULL);
	fake_arch_set_this_cpu(&cpu1);
	expect_assert_failure(xcall_register(&xc, "test", record, NULL));
	fake_arch_set_this_cpu(NULL);
	assert_non_null(strstr(fake_log, "already has a client on cpu 1"));
}

static void test_knocking_on_a_cpu_without_a_client_panics(void **state)
{
	struct xcall xc;

	(void)state;
	xcall_init(&xc, "lonely");
	xcall_register(&xc, "lonely", record, NULL);
	expect_assert_failure(xcall_set(&xc, 1));
	assert_non_null(strstr(fake_log, "xcall lonely: cpu 1 has no client for it"));
	assert_int_equal(cpu1.pending, 0);
}

static void test_a_cpu_that_is_not_online_is_not_knocked(void **state)
{
	struct xcall xc;

	(void)state;
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, NULL);
	assert_false(xcall_set(&xc, 2)); /* starting */
	assert_false(xcall_set(&xc, 7)); /* no such CPU */
	assert_false(xcall_set(&xc, 1000));
	assert_int_equal(cpu2.pending, 0);
	assert_int_equal(fake_wakes[2], 0);
}

static void test_the_ipi_goes_only_to_a_cpu_that_may_sleep(void **state)
{
	struct xcall xc;
	struct xcall_stats before, st;

	(void)state;
	xcall_get_stats(0, &before); /* the counters live as long as the kernel */
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, NULL);
	register_on(&cpu1, &xc, record, NULL);

	xcall_set(&xc, 1); /* running: the bit is enough */
	assert_int_equal(fake_wakes[1], 0);
	cpu1.idle = 1; /* past its idle mark: it may be halted */
	xcall_set(&xc, 1);
	assert_int_equal(fake_wakes[1], 1);
	xcall_set(&xc, 0); /* this CPU: never an IPI */
	assert_int_equal(fake_wakes[0], 0);
	cpu1.idle = 0;
	xcall_always_ipi = true;
	xcall_set(&xc, 1);
	assert_int_equal(fake_wakes[1], 2);

	xcall_get_stats(0, &st);
	assert_int_equal(st.sets - before.sets, 4);
	assert_int_equal(st.ipis - before.ipis, 2);
	assert_int_equal(st.ipis_skipped - before.ipis_skipped, 1);
	assert_int_equal(st.ipis_failed - before.ipis_failed, 0);

	/* An IPI the interrupt controller never takes is counted as failed
	 * (the bit is set all the same). */
	fake_wake_fails = true;
	cpu1.pending = 0;
	xcall_set(&xc, 1);
	assert_true(cpu1.pending & xc.mask);
	xcall_get_stats(0, &st);
	assert_int_equal(st.ipis - before.ipis, 3);
	assert_int_equal(st.ipis_failed - before.ipis_failed, 1);
	fake_wake_fails = false;
}

/* An interrupt routed to CPU 1 whose capsule CPU 0 owns: CPU 1's loop
 * hands the bit over (the same bit on CPU 0, plus the wake-up IPI if CPU
 * 0 may sleep), and only CPU 0's loop calls the capsule. */
static void test_a_handed_over_interrupt_runs_on_its_owner(void **state)
{
	int capsule;

	(void)state;
	loop_declare_interrupt(4, "com1");
	loop_set_client(4, "uart", record, &capsule);
	loop_verify();
	fake_arch_set_this_cpu(&cpu1);
	xcall_handover(4, 0);
	assert_int_equal(loop_handover_owner(1, 4), 0);
	assert_int_equal(loop_handover_owner(0, 4), -1);
	assert_true(loop_has_client(1, 4));

	pending_set(&cpu1, 4); /* the top half, on CPU 1 */
	assert_int_equal(loop_round(&cpu1), (uint64_t)1 << 4);
	assert_int_equal(seen_count, 0); /* not run on CPU 1 */
	assert_int_equal(fake_cpu.pending, (uint64_t)1 << 4);
	assert_int_equal(fake_wakes[0], 0); /* CPU 0 awake: no IPI */
	fake_cpu.idle = 1;
	pending_set(&cpu1, 4);
	loop_round(&cpu1);
	assert_int_equal(fake_wakes[0], 1);
	fake_arch_set_this_cpu(NULL);

	assert_int_equal(loop_round(&fake_cpu), (uint64_t)1 << 4);
	assert_int_equal(seen_count, 1); /* two knocks, one service */
	assert_ptr_equal(seen[0], &capsule);
	assert_int_equal(cpu1.serviced[4], 2);
	assert_int_equal(fake_cpu.serviced[4], 1);
}

static void test_a_handover_is_checked(void **state)
{
	struct xcall xc;

	(void)state;
	loop_declare_interrupt(4, "com1");
	loop_set_client(4, "uart", record, NULL);
	xcall_init(&xc, "test");
	xcall_register(&xc, "test", record, NULL);
	/* The boot CPU owns the capsules: it hands nothing over. */
	expect_assert_failure(xcall_handover(4, 1));
	assert_non_null(strstr(fake_log, "cpu 1, which has no client for it"));
	panic_reset_for_test(); /* the first panic is still "in progress" */
	fake_arch_set_this_cpu(&cpu1);
	expect_assert_failure(xcall_handover(xc.bit, 0)); /* not an interrupt */
	assert_non_null(strstr(fake_log, "is not an interrupt source with a client"));
	panic_reset_for_test();
	xcall_handover(4, 0);
	expect_assert_failure(xcall_handover(4, 0));
	assert_non_null(strstr(fake_log, "bit 4 (com1) already has a client on cpu 1"));
	panic_reset_for_test();
	/* A CPU that hands the bit over cannot also run the capsule. */
	expect_assert_failure(loop_set_client(4, "uart", record, NULL));
	panic_reset_for_test();
	fake_arch_set_this_cpu(NULL);
	/* Nor does the boot CPU hand over, even to a CPU that answers. */
	expect_assert_failure(loop_set_handover(4, 1, record, NULL));
	assert_non_null(strstr(fake_log, "cpu 0 cannot hand it to cpu 1"));
}

/* While the loop is halted its idle mark is up; before and after, down. */
static uint64_t idle_while_halted;

static void look_at_idle(void)
{
	idle_while_halted = fake_cpu.idle;
}

static void test_the_loop_marks_itself_idle_only_around_the_halt(void **state)
{
	(void)state;
	fake_on_idle = look_at_idle;
	loop_sleep_if_idle(&fake_cpu);
	assert_int_equal(idle_while_halted, 1);
	assert_int_equal(fake_cpu.idle, 0);
	assert_string_equal(fake_arch_trace, "DI");

	/* Work pending: no halt, and the mark is down again at once. */
	idle_while_halted = 7;
	fake_arch_trace[0] = '\0';
	pending_set(&fake_cpu, 3);
	loop_sleep_if_idle(&fake_cpu);
	assert_int_equal(idle_while_halted, 7);
	assert_int_equal(fake_cpu.idle, 0);
	assert_string_equal(fake_arch_trace, "DE");
}

static void test_cpus_lists_every_id_with_its_state(void **state)
{
	struct cpu_info ci;

	(void)state;
	assert_int_equal(cpus_known(), 3);
	assert_int_equal(cpus_online_mask(), 0x3);
	assert_true(cpus_is_online(1));
	assert_false(cpus_is_online(2));
	assert_true(cpus_info(2, &ci));
	assert_int_equal(ci.hw_id, 12);
	assert_string_equal(cpus_state_name(ci.state), "starting");
	assert_false(cpus_info(3, &ci));
	assert_int_equal(cpus_in_mask(0x8000000000000101ull), 3);
	fake_arch_set_this_cpu(&cpu1);
	assert_int_equal(cpus_this(), 1);
	fake_arch_set_this_cpu(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_each_cpu_answers_a_bit_with_its_own_context, setup),
		cmocka_unit_test_setup(test_another_cpu_must_use_the_boot_cpus_client, setup),
		cmocka_unit_test_setup(test_another_cpu_cannot_register_twice, setup),
		cmocka_unit_test_setup(test_knocking_on_a_cpu_without_a_client_panics, setup),
		cmocka_unit_test_setup(test_a_cpu_that_is_not_online_is_not_knocked, setup),
		cmocka_unit_test_setup(test_the_ipi_goes_only_to_a_cpu_that_may_sleep, setup),
		cmocka_unit_test_setup(test_a_handed_over_interrupt_runs_on_its_owner, setup),
		cmocka_unit_test_setup(test_a_handover_is_checked, setup),
		cmocka_unit_test_setup(test_the_loop_marks_itself_idle_only_around_the_halt, setup),
		cmocka_unit_test_setup(test_cpus_lists_every_id_with_its_state, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
