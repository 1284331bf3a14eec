/*
 * panic() (kernel/panic.h): the report, nested panics, halting or
 * rebooting, and a frame-pointer walk that never leaves registered stacks.
 *
 * Backtraces are checked on fake frame chains built in a host array, with
 * return addresses taken from fake_symbols.c's table so every line can be
 * compared exactly.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "fake_arch.h"
#include "fake_log.h"

/* A pretend stack: frames are pairs {caller's fp, return address}. */
static _Alignas(16) uintptr_t stack[64];
static _Alignas(16) uintptr_t elsewhere[8];

static uintptr_t at(unsigned i)
{
	return (uintptr_t)&stack[i];
}

static void frame(unsigned i, uintptr_t next_fp, uintptr_t ret)
{
	stack[i] = next_fp;
	stack[i + 1] = ret;
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	memset(stack, 0, sizeof(stack));
	memset(elsewhere, 0, sizeof(elsewhere));
	return 0;
}

static void register_fake_stack(void)
{
	panic_add_stack((uintptr_t)stack, (uintptr_t)stack + sizeof(stack));
}

static void test_panic_prints_message_backtrace_and_halts(void **state)
{
	(void)state;
	char frame0[64];

	fake_irq_enabled = true;
	expect_assert_failure(panic("boom %d in %s", 42, "test"));

	const char *msg = strstr(fake_log, "PANIC: boom 42 in test\n");
	const char *bt = strstr(fake_log, "backtrace:\n");
	const char *halt = strstr(fake_log, "system halted (interrupts off)\n");
	assert_non_null(msg);
	assert_non_null(bt);
	assert_non_null(halt);
	assert_true(msg < bt && bt < halt);
	assert_null(strstr(fake_log, "rebooting"));
	/* Frame #0 is panic itself; the host's panic is not in the fake table. */
	snprintf(frame0, sizeof(frame0), "backtrace:\n  #0 0x%016lx ?\n",
		 (unsigned long)(uintptr_t)panic);
	assert_non_null(strstr(fake_log, frame0));
	/* No stack registered: nothing beyond frame #0 is read. */
	assert_null(strstr(fake_log, "#1"));
	assert_false(fake_irq_enabled);
	assert_int_equal(fake_arch_trace[0], 'D');
	assert_true(panic_in_progress());
}

/* A real call chain: frame #1 of panic's backtrace is its caller, and
 * frame #2 is where that caller returns to. */
static uintptr_t call_panic_returns_to;

static __attribute__((noinline)) void call_panic(void)
{
	call_panic_returns_to = (uintptr_t)__builtin_return_address(0);
	panic("from call_panic");
}

static void test_panic_backtrace_names_the_caller(void **state)
{
	(void)state;
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	unsigned long frame1 = 0, frame2 = 0;

	/* Only the real stack right around this test is walkable. */
	panic_add_stack(here - 64 * 1024, here + 64);
	expect_assert_failure(call_panic());

	const char *line1 = strstr(fake_log, "  #1 0x");
	const char *line2 = strstr(fake_log, "  #2 0x");
	assert_non_null(line1);
	assert_non_null(line2);
	assert_int_equal(sscanf(line1, "  #1 0x%lx", &frame1), 1);
	assert_int_equal(sscanf(line2, "  #2 0x%lx", &frame2), 1);
	assert_true(frame1 > (uintptr_t)call_panic);
	assert_true(frame1 < (uintptr_t)call_panic + 4096);
	assert_int_equal(frame2, call_panic_returns_to);
}

static void test_nested_panic_halts_at_once(void **state)
{
	(void)state;
	panic_enter(); /* the first panic, now "printing its report" */
	assert_true(panic_in_progress());
	assert_string_equal(fake_log, "");

	expect_assert_failure(panic("second %d", 2));
	assert_string_equal(fake_log, "PANIC: nested panic, halting\n");
}

/* --- several CPUs: one report ------------------------------------------- */

static struct cpu cpu1 = { .id = 1 }, cpu2 = { .id = 2 };
static pthread_t cpu1_thread;

/* CPU 1 takes the owner's NMI: its handler calls panic_enter(), which must
 * count it stopped and halt it without a word (the thread ends there). */
static void *cpu1_takes_the_nmi(void *arg)
{
	(void)arg;
	fake_arch_set_this_cpu(&cpu1);
	fake_halt_ends_thread = true;
	panic_enter();
	return (void *)1; /* not reached if it halted */
}

static void start_cpu1(void)
{
	assert_int_equal(pthread_create(&cpu1_thread, NULL, cpu1_takes_the_nmi, NULL), 0);
}

static void two_cpus_online(void)
{
	cpu1.self = &cpu1;
	cpu1.state = CPU_ONLINE;
	cpu2.self = &cpu2;
	fake_cpu.state = CPU_ONLINE;
	fake_cpus[1] = &cpu1;
}

static void test_the_first_panic_stops_the_other_cpus_and_waits_for_them(void **state)
{
	void *ret = NULL;

	(void)state;
	two_cpus_online();
	fake_on_stop = start_cpu1;
	expect_assert_failure(panic("boom"));
	pthread_join(cpu1_thread, &ret);
	assert_null(ret);
	assert_int_equal(fake_stops, 1);
	/* One report, the owner's; CPU 1 said nothing and was waited for. */
	assert_non_null(strstr(fake_log, "PANIC: boom\n"));
	assert_null(strstr(fake_log, "nested"));
	assert_null(strstr(fake_log, "did not stop"));
	assert_non_null(strstr(fake_log, "system halted"));
}

static void test_another_cpu_that_panics_meanwhile_halts_silently(void **state)
{
	(void)state;
	panic_enter(); /* CPU 0's panic, "printing its report" */
	fake_log_clear();
	fake_arch_set_this_cpu(&cpu2);
	cpu2.self = &cpu2;
	expect_assert_failure(panic("second on cpu 2"));
	fake_arch_set_this_cpu(NULL);
	assert_string_equal(fake_log, "");
	/* CPU 0 itself panicking again is still a nested panic. */
	expect_assert_failure(panic("again on cpu 0"));
	assert_string_equal(fake_log, "PANIC: nested panic, halting\n");
}

static void test_a_cpu_that_does_not_stop_is_reported(void **state)
{
	(void)state;
	two_cpus_online(); /* and nobody plays CPU 1: it never stops */
	expect_assert_failure(panic("boom"));
	assert_int_equal(fake_stops, 1);
	assert_non_null(strstr(fake_log, "PANIC: boom\n"));
	assert_non_null(strstr(fake_log, "panic: 1 other cpu did not stop (no NMI taken); they may "
					 "still run\nsystem halted"));
}

static void test_one_cpu_sends_no_nmi(void **state)
{
	(void)state;
	fake_cpu.state = CPU_ONLINE;
	expect_assert_failure(panic("alone"));
	assert_int_equal(fake_stops, 0);
}

static void test_reboot_instead_of_halting(void **state)
{
	(void)state;
	panic_set_reboot(true);
	expect_assert_failure(panic("going down"));
	assert_non_null(strstr(fake_log, "PANIC: going down\n"));
	assert_non_null(strstr(fake_log, "rebooting\n"));
	assert_null(strstr(fake_log, "system halted"));
}

static void test_backtrace_follows_the_frame_chain(void **state)
{
	(void)state;
	register_fake_stack();
	frame(2, at(6), 0x1010);
	frame(6, at(10), 0x1105);
	frame(10, 0, 0x1201);

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001010 fake_start+0x10\n"
				      "  #2 0x0000000000001105 fake_middle+0x5\n"
				      "  #3 0x0000000000001201 fake_end+0x1\n");
}

/*
 * A call to a _Noreturn function can be the last instruction of its
 * function, so the return address is the next function's first byte.
 * Return addresses are named by the byte before; frame #0 (where the code
 * stopped, e.g. a faulting push at a function's entry) by itself.
 */
static void test_return_address_names_the_calling_function(void **state)
{
	(void)state;
	register_fake_stack();
	frame(4, 0, 0x1100);

	panic_backtrace(0x1100, at(4));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001100 fake_middle+0x0\n"
				      "  #1 0x0000000000001100 fake_label+0xc0\n");
}

static void test_unknown_addresses_print_a_question_mark(void **state)
{
	(void)state;
	register_fake_stack();
	frame(0, 0, 0x1150);

	panic_backtrace(0x10, at(0));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000000010 ?\n"
				      "  #1 0x0000000000001150 ?\n");
}

static void test_no_registered_stack_walks_nothing(void **state)
{
	(void)state;
	frame(2, at(6), 0x1010);
	frame(6, 0, 0x1105);

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n  #0 0x0000000000001040 fake_label+0x0\n");
}

static void test_walk_stops_at_a_frame_outside_registered_stacks(void **state)
{
	(void)state;
	register_fake_stack();
	frame(2, at(6), 0x1010);
	/* Points into memory nobody registered: its words are never read. */
	frame(6, (uintptr_t)&elsewhere[2], 0x1105);
	elsewhere[2] = at(10);
	elsewhere[3] = 0x1201;

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001010 fake_start+0x10\n"
				      "  #2 0x0000000000001105 fake_middle+0x5\n");
}

static void test_walk_stops_at_a_misaligned_frame(void **state)
{
	(void)state;
	register_fake_stack();
	frame(2, at(6) + 4, 0x1010);
	frame(6, 0, 0x1105);

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001010 fake_start+0x10\n");
}

static void test_walk_stops_when_frames_do_not_go_up(void **state)
{
	(void)state;
	register_fake_stack();
	/* 10 -> 2 goes down the stack; 2 -> 2 would loop forever. */
	frame(10, at(2), 0x1010);
	frame(2, at(2), 0x1105);

	panic_backtrace(0x1040, at(10));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001010 fake_start+0x10\n");

	fake_log_clear();
	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001105 fake_middle+0x5\n");
}

/* A frame's two words must both lie inside the stack. */
static void test_walk_stops_at_a_frame_straddling_the_stack_top(void **state)
{
	(void)state;
	register_fake_stack();
	frame(2, at(63), 0x1010);
	stack[63] = 0;

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n"
				      "  #0 0x0000000000001040 fake_label+0x0\n"
				      "  #1 0x0000000000001010 fake_start+0x10\n");
}

static void test_deep_walk_keeps_the_first_and_last_frames(void **state)
{
	(void)state;
	register_fake_stack();
	for (unsigned i = 0; i < 20; i++)
		frame(2 * i, at(2 * i + 2), 0x1001 + i);

	panic_backtrace(0x1040, at(0));
	/* Head: #1..#7; the middle is skipped; tail: the last 8 frames, so
	 * the bottom of the stack (the loop, board_main) is never lost. */
	assert_non_null(strstr(fake_log, "  #7 0x0000000000001007 fake_start+0x7\n"));
	assert_null(strstr(fake_log, "  #8 "));
	assert_non_null(strstr(fake_log, "  #7 0x0000000000001007 fake_start+0x7\n  ... 5 frames "
					 "skipped\n  #13 0x000000000000100d fake_start+0xd\n"));
	assert_non_null(strstr(fake_log, "  #20 0x0000000000001014 fake_start+0x14\n"));
	assert_null(strstr(fake_log, "  #12 "));
	assert_null(strstr(fake_log, "  #21 "));
}

static void test_zero_return_address_ends_the_walk(void **state)
{
	(void)state;
	register_fake_stack();
	frame(2, at(6), 0);
	frame(6, 0, 0x1105);

	panic_backtrace(0x1040, at(2));
	assert_string_equal(fake_log, "backtrace:\n  #0 0x0000000000001040 fake_label+0x0\n");
}

static void test_any_registered_stack_is_walkable(void **state)
{
	(void)state;
	/* The fake stack is the last of several (e.g. one per CPU). */
	for (unsigned i = 0; i < PANIC_MAX_STACKS - 1; i++)
		panic_add_stack(0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000);
	register_fake_stack();
	frame(2, 0, 0x1010);

	panic_backtrace(0x1040, at(2));
	assert_non_null(strstr(fake_log, "  #1 0x0000000000001010 fake_start+0x10\n"));
}

static void test_too_many_stacks_are_refused_with_a_warning(void **state)
{
	(void)state;
	for (unsigned i = 0; i < PANIC_MAX_STACKS; i++)
		panic_add_stack(0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000);
	register_fake_stack();
	assert_non_null(strstr(fake_log, "warning: "));
	frame(2, 0, 0x1010);

	fake_log_clear();
	panic_backtrace(0x1040, at(2));
	assert_null(strstr(fake_log, "#1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_panic_prints_message_backtrace_and_halts, setup),
		cmocka_unit_test_setup(test_panic_backtrace_names_the_caller, setup),
		cmocka_unit_test_setup(test_nested_panic_halts_at_once, setup),
		cmocka_unit_test_setup(test_the_first_panic_stops_the_other_cpus_and_waits_for_them,
				       setup),
		cmocka_unit_test_setup(test_another_cpu_that_panics_meanwhile_halts_silently,
				       setup),
		cmocka_unit_test_setup(test_a_cpu_that_does_not_stop_is_reported, setup),
		cmocka_unit_test_setup(test_one_cpu_sends_no_nmi, setup),
		cmocka_unit_test_setup(test_reboot_instead_of_halting, setup),
		cmocka_unit_test_setup(test_backtrace_follows_the_frame_chain, setup),
		cmocka_unit_test_setup(test_return_address_names_the_calling_function, setup),
		cmocka_unit_test_setup(test_unknown_addresses_print_a_question_mark, setup),
		cmocka_unit_test_setup(test_no_registered_stack_walks_nothing, setup),
		cmocka_unit_test_setup(test_walk_stops_at_a_frame_outside_registered_stacks, setup),
		cmocka_unit_test_setup(test_walk_stops_at_a_misaligned_frame, setup),
		cmocka_unit_test_setup(test_walk_stops_when_frames_do_not_go_up, setup),
		cmocka_unit_test_setup(test_walk_stops_at_a_frame_straddling_the_stack_top, setup),
		cmocka_unit_test_setup(test_deep_walk_keeps_the_first_and_last_frames, setup),
		cmocka_unit_test_setup(test_zero_return_address_ends_the_walk, setup),
		cmocka_unit_test_setup(test_any_registered_stack_is_walkable, setup),
		cmocka_unit_test_setup(test_too_many_stacks_are_refused_with_a_warning, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
