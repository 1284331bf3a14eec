/*
 * kernel/log.c panic mode: once panic_enter() ran, log lines and raw
 * output go to the panic sinks only (synchronous ones on the pc board),
 * never to the normal sinks (which may queue behind a loop that no longer
 * runs); with no panic sink registered, the normal sinks keep working.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "fake_arch.h"

static char normal[4096], panic_out[4096];

static void append(char *buf, size_t size, const char *s, size_t n)
{
	size_t used = strlen(buf);
	assert_true(used + n < size);
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

static void normal_sink(const char *s, size_t n)
{
	append(normal, sizeof(normal), s, n);
}

static void panic_sink(const char *s, size_t n)
{
	append(panic_out, sizeof(panic_out), s, n);
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	log_set_level(LOG_INFO);
	normal[0] = panic_out[0] = '\0';
	return 0;
}

static void test_before_panic_only_normal_sinks(void **state)
{
	(void)state;
	log_add_sink(normal_sink);
	assert_int_equal(log_add_panic_sink(panic_sink), 0);
	assert_false(log_in_panic_mode());
	log_info("hello %d", 1);
	kprintf("raw");
	assert_string_equal(normal, "hello 1\nraw");
	assert_string_equal(panic_out, "");
}

static void test_panic_enter_switches_to_panic_sinks(void **state)
{
	(void)state;
	log_add_sink(normal_sink);
	log_add_panic_sink(panic_sink);
	panic_enter();
	assert_true(log_in_panic_mode());
	assert_false(fake_irq_enabled);
	log_error("broken");
	kprintf("rip %x\n", 0x10);
	kwrite("w", 1);
	assert_string_equal(normal, "");
	assert_string_equal(panic_out, "error: broken\nrip 10\nw");
}

static void test_panic_report_goes_to_panic_sinks(void **state)
{
	(void)state;
	log_add_sink(normal_sink);
	log_add_panic_sink(panic_sink);
	expect_assert_failure(panic("disk on fire"));
	assert_non_null(strstr(panic_out, "PANIC: disk on fire"));
	assert_null(strstr(normal, "PANIC"));
}

static void test_without_panic_sinks_normal_sinks_still_print(void **state)
{
	(void)state;
	log_add_sink(normal_sink);
	log_panic_mode();
	log_warn("still here");
	assert_string_equal(normal, "warning: still here\n");
}

static void test_remove_all_sinks_leaves_panic_mode(void **state)
{
	(void)state;
	log_add_panic_sink(panic_sink);
	log_panic_mode();
	log_remove_all_sinks();
	assert_false(log_in_panic_mode());
	log_add_sink(normal_sink);
	log_info("normal again");
	assert_string_equal(normal, "normal again\n");
	assert_string_equal(panic_out, "");
}

static void test_panic_sink_slots_are_limited(void **state)
{
	(void)state;
	for (int i = 0; i < LOG_MAX_SINKS; i++)
		assert_int_equal(log_add_panic_sink(panic_sink), 0);
	assert_int_equal(log_add_panic_sink(panic_sink), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_before_panic_only_normal_sinks, setup),
		cmocka_unit_test_setup(test_panic_enter_switches_to_panic_sinks, setup),
		cmocka_unit_test_setup(test_panic_report_goes_to_panic_sinks, setup),
		cmocka_unit_test_setup(test_without_panic_sinks_normal_sinks_still_print, setup),
		cmocka_unit_test_setup(test_remove_all_sinks_leaves_panic_mode, setup),
		cmocka_unit_test_setup(test_panic_sink_slots_are_limited, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
