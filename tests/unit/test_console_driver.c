/*
 * capsules/console_driver.c: a process's write goes to the console's
 * ring (and so to the serial line) from its allowed buffer; a write that
 * finds the ring full is answered only when there is room (the process
 * waits, it does not spin); a process that goes away waits no more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/console_driver.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_process.h"
#include "fake_uart.h"
#include "fake_syscall.h"

#define BASE PROCESS_USER_BASE
#define REGION FAKE_PROCESS_REGION
#define DATA FAKE_PROCESS_DATA
#define TEXT_LEN 5000 /* more than the console's ring */

static struct fake_uart fu;
static struct console con;
static struct console_driver cd;
static struct process proc;
static uint8_t *region;

static int setup(void **state)
{
	(void)state;

	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	syscall_reset_for_test();
	fake_uart_init(&fu);
	console_init(&con, &fu.hil, NULL);
	console_driver_init(&cd, &con, 0);
	assert_null(fake_process_load(&proc, "w", 2, &region));
	for (int i = 0; i < TEXT_LEN; i++)
		region[PROC_PAGE + i] = (uint8_t)('a' + i % 26);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

static void run_loop(void)
{
	for (int i = 0; i < 10 && loop_round(&fake_cpu); i++)
		;
}

/* The upcall's count, or -1 if none is queued. */
static int64_t written(void)
{
	struct upcall u;
	return upcall_queue_pop(&proc.upcalls, &u) ? (int64_t)u.arg[0] : -1;
}

static void test_write_reaches_the_serial_line(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 1, 0, BASE, 0);
	assert_int_equal(fake_syscall(&proc, SYSCALL_ALLOW_RO, 1, 0, DATA, 26).variant,
			 SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, 10, 0).variant,
			 SYSCALL_SUCCESS);
	assert_int_equal(written(), 10); /* at most n of the buffer */
	while (fake_uart_complete(&fu))
		run_loop();
	assert_string_equal(fu.wire, "abcdefghij");
	/* Without an allowed buffer: RESERVE. */
	fake_syscall(&proc, SYSCALL_ALLOW_RO, 1, 0, 0, 0);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, 10, 0).v[0], ERR_RESERVE);
}

static void test_full_ring_waits_for_room(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 1, 0, BASE, 0);
	fake_syscall(&proc, SYSCALL_ALLOW_RO, 1, 0, DATA, TEXT_LEN);
	fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, TEXT_LEN, 0);
	int64_t first = written();
	assert_true(first > 0 && first < TEXT_LEN); /* what the ring had room for */
	/* The rest finds no room: no answer yet, and a second write is BUSY. */
	fake_syscall(&proc, SYSCALL_ALLOW_RO, 1, 0, DATA + first, TEXT_LEN - first);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, TEXT_LEN - first, 0).variant,
			 SYSCALL_SUCCESS);
	assert_int_equal(written(), -1);
	assert_int_equal(cd.waits, 1);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, 1, 0).v[0], ERR_BUSY);
	/* The serial line drains: the waiting write goes on and is answered. */
	int64_t second = -1;
	for (int i = 0; i < 100 && second < 0; i++) {
		fake_uart_complete(&fu);
		run_loop();
		second = written();
	}
	assert_true(second > 0);
	while (fake_uart_complete(&fu))
		run_loop();
	assert_int_equal(fu.wire_len, (size_t)(first + second));
	assert_memory_equal(fu.wire, region + PROC_PAGE, (size_t)(first + second));
}

static void test_process_gone_waits_no_more(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 1, 0, BASE, 0);
	fake_syscall(&proc, SYSCALL_ALLOW_RO, 1, 0, DATA, TEXT_LEN);
	fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, TEXT_LEN, 0);
	fake_syscall(&proc, SYSCALL_COMMAND, 1, 1, TEXT_LEN, 0); /* waits */
	assert_non_null(cd.waiting[0]);
	syscall_release(&proc);
	process_stop(&proc, PROCESS_KILLED);
	assert_null(cd.waiting[0]);
	size_t before = cd.bytes;
	while (fake_uart_complete(&fu))
		run_loop();
	assert_int_equal(cd.bytes, before); /* nothing more written for it */
}

static unsigned read_dones;

static void read_done(void *ctx)
{
	(void)ctx;
	read_dones++;
}

static void test_a_line_for_the_waiting_process(void **state)
{
	(void)state;
	struct upcall u;

	read_dones = 0;
	assert_int_equal(console_driver_read(&cd, read_done, NULL), -1); /* nobody waits */
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, 1, 1, BASE, 0);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 2, 8, 0).v[0],
			 ERR_RESERVE); /* no buffer */
	fake_syscall(&proc, SYSCALL_ALLOW_RW, 1, 0, DATA + 0x100, 16);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, 1, 2, 8, 0).variant, SYSCALL_SUCCESS);
	assert_ptr_equal(console_driver_reader(&cd), &proc);
	assert_int_equal(console_driver_read(&cd, read_done, NULL), 0);
	run_loop();
	while (fake_uart_complete(&fu))
		run_loop();
	assert_non_null(strstr(fu.wire, "w< ")); /* the process's name is the prompt */
	fake_uart_receive(&fu, "hello, knock\r", 13);
	run_loop();
	assert_int_equal(read_dones, 1);
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_int_equal(u.subscribe, 1);
	assert_int_equal(u.arg[0], 8); /* at most the 8 asked for */
	assert_memory_equal(region + PROC_PAGE + 0x100, "hello, k", 8);
	assert_int_equal(region[PROC_PAGE + 0x108], 'a' + 0x108 % 26); /* nothing past them */
	assert_null(console_driver_reader(&cd));
}

static void test_reader_gone_before_the_line(void **state)
{
	(void)state;
	read_dones = 0;
	fake_syscall(&proc, SYSCALL_ALLOW_RW, 1, 0, DATA, 16);
	fake_syscall(&proc, SYSCALL_COMMAND, 1, 2, 16, 0);
	assert_int_equal(console_driver_read(&cd, read_done, NULL), 0);
	run_loop();
	syscall_release(&proc);
	process_stop(&proc, PROCESS_KILLED);
	assert_null(console_driver_reader(&cd));
	fake_uart_receive(&fu, "late\r", 5);
	run_loop();
	assert_int_equal(read_dones, 1);          /* the shell still gets its prompt back */
	assert_int_equal(region[PROC_PAGE], 'a'); /* and the line went nowhere */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_reaches_the_serial_line), T(test_full_ring_waits_for_room),
		T(test_process_gone_waits_no_more),    T(test_a_line_for_the_waiting_process),
		T(test_reader_gone_before_the_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
