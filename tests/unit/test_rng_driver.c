/*
 * capsules/rng_driver.c over a scripted rng source: the bytes land in the
 * process's allowed buffer only when the source answers (from a kernel
 * buffer, never written into the process by the source itself), with an
 * upcall that says how many; bad sizes, a busy source and no source get
 * error codes; a process that goes away while its request is out gets
 * nothing written, and the source's answer is dropped; a source that does
 * not answer in RNG_DRIVER_TIMEOUT_MS gives the process BUSY instead, and
 * stays busy until its late answer, which is dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/rng_driver.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_process.h"
#include "fake_syscall.h"

#define BASE PROCESS_USER_BASE
#define REGION FAKE_PROCESS_REGION
#define DATA FAKE_PROCESS_DATA

/* ---- a scripted source ---------------------------------------------------- */

static uint8_t *out_buf;
static size_t out_len;
static const struct hil_rng_client *client;
static unsigned gets;

static int src_get(void *hw, uint8_t *buf, size_t len)
{
	(void)hw;
	if (out_buf)
		return -1;
	out_buf = buf;
	out_len = len;
	gets++;
	return 0;
}

static void src_set_client(void *hw, const struct hil_rng_client *c)
{
	(void)hw;
	client = c;
}

static const struct hil_rng source = { .get = src_get, .set_client = src_set_client };

/* The source answers: its bytes are i + 1. */
static void answer(void)
{
	uint8_t *b = out_buf;
	size_t n = out_len;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i + 1);
	out_buf = NULL;
	client->ready(client->ctx, b, n);
}

/* ---- fixture ------------------------------------------------------------- */

static struct fake_alarm fa; /* 1 tick a microsecond */
static struct alarm_mux mux;
static struct rng_driver rd;
static struct process proc;
static uint8_t *region;

static int setup_with(const struct hil_rng *src)
{
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	syscall_reset_for_test();
	out_buf = NULL;
	client = NULL;
	gets = 0;
	fake_alarm_init(&fa, 1000000, 1000);
	alarm_mux_init(&mux, &fa.hil);
	rng_driver_init(&rd, src, 0, &mux);
	assert_null(fake_process_load(&proc, "r", 1, &region));
	/* Subscribed (any function in its code) and 64 bytes allowed. */
	assert_int_equal(
		fake_syscall(&proc, SYSCALL_SUBSCRIBE, RNG_DRIVER_NUMBER, 0, BASE, 7).variant,
		SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(
		fake_syscall(&proc, SYSCALL_ALLOW_RW, RNG_DRIVER_NUMBER, 0, DATA, 64).variant,
		SYSCALL_SUCCESS_U32_U32);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(&source);
}

static int setup_no_source(void **state)
{
	(void)state;
	return setup_with(NULL);
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

static struct syscall_result ask(uint64_t n)
{
	return fake_syscall(&proc, SYSCALL_COMMAND, RNG_DRIVER_NUMBER, 1, n, 0);
}

static void test_bytes_arrive_with_the_upcall(void **state)
{
	(void)state;
	struct upcall u;

	assert_int_equal(ask(16).variant, SYSCALL_SUCCESS);
	assert_int_equal(gets, 1);
	/* Nothing in the process's memory, nothing queued, until the answer. */
	assert_int_equal(region[PROC_PAGE], 0);
	assert_false(upcall_queue_pop(&proc.upcalls, &u));
	assert_true(out_buf < region || out_buf >= region + REGION);
	answer();
	for (int i = 0; i < 16; i++)
		assert_int_equal(region[PROC_PAGE + i], i + 1);
	assert_int_equal(region[PROC_PAGE + 16], 0); /* no more than asked */
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_int_equal(u.arg[0], 16);
	assert_int_equal(u.userdata, 7);
	assert_int_equal(rd.bytes, 16);
}

static void test_sizes_busy_and_unknown_commands(void **state)
{
	(void)state;
	struct syscall_result r = ask(0);
	assert_int_equal(r.variant, SYSCALL_FAILURE);
	assert_int_equal(r.v[0], ERR_SIZE);
	assert_int_equal(ask(65).v[0], ERR_SIZE); /* more than allowed */
	assert_int_equal(
		fake_syscall(&proc, SYSCALL_ALLOW_RW, RNG_DRIVER_NUMBER, 0, DATA, 4000).variant,
		SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(ask(RNG_DRIVER_MAX + 1).v[0], ERR_SIZE); /* more than the driver's */
	assert_int_equal(ask(RNG_DRIVER_MAX).variant, SYSCALL_SUCCESS);
	assert_int_equal(ask(8).v[0], ERR_BUSY);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, RNG_DRIVER_NUMBER, 9, 0, 0).v[0],
			 ERR_NOSUPPORT);
	assert_int_equal(gets, 1);
}

static void test_no_buffer_is_size(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_ALLOW_RW, RNG_DRIVER_NUMBER, 0, 0, 0);
	assert_int_equal(ask(8).v[0], ERR_SIZE);
	assert_int_equal(gets, 0);
}

static void test_a_process_gone_gets_nothing(void **state)
{
	(void)state;
	assert_int_equal(ask(16).variant, SYSCALL_SUCCESS);
	syscall_release(&proc); /* kill, fault, exit, restart: before its grants go */
	answer();
	assert_int_equal(region[PROC_PAGE], 0);
	assert_int_equal(rd.dropped, 1);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	/* The source is free again. */
	assert_int_equal(ask(4).variant, SYSCALL_SUCCESS);
}

/* The loop, as far as the timer's bit goes: service the mux if due. */
static void advance_us(uint64_t us)
{
	fa.now += us;
	if (fake_alarm_due(&fa)) {
		fake_alarm_knock(&fa);
		alarm_mux_service(&mux);
	}
}

static void test_a_silent_source_times_out_with_busy(void **state)
{
	(void)state;
	struct upcall u;

	assert_int_equal(ask(16).variant, SYSCALL_SUCCESS);
	advance_us(RNG_DRIVER_TIMEOUT_MS * 1000 - 1);
	assert_false(upcall_queue_pop(&proc.upcalls, &u)); /* still waiting */
	advance_us(1);
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_int_equal(u.arg[0], 0);
	assert_int_equal(u.arg[1], ERR_BUSY);
	assert_int_equal(u.userdata, 7);
	assert_int_equal(rd.timeouts, 1);
	/* The source still holds the request: every new one is refused. */
	assert_int_equal(ask(8).v[0], ERR_BUSY);
	assert_int_equal(gets, 1);
	/* Its late answer is dropped: nothing written, no second upcall. */
	answer();
	assert_int_equal(region[PROC_PAGE], 0);
	assert_int_equal(rd.dropped, 1);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	/* Then the source is free again, and answers in time. */
	assert_int_equal(ask(4).variant, SYSCALL_SUCCESS);
	answer();
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_int_equal(u.arg[0], 4);
	assert_int_equal(u.arg[1], 0);
}

static void test_an_answer_in_time_leaves_no_timeout(void **state)
{
	(void)state;
	struct upcall u;

	assert_int_equal(ask(16).variant, SYSCALL_SUCCESS);
	assert_true(fa.armed);
	advance_us(1000);
	answer();
	assert_true(upcall_queue_pop(&proc.upcalls, &u));
	assert_false(alarm_is_armed(&mux, &rd.timeout));
	assert_false(fa.armed); /* nothing left to wake the CPU for */
	advance_us(10 * RNG_DRIVER_TIMEOUT_MS * 1000);
	assert_int_equal(rd.timeouts, 0);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);

	/* A process that goes away takes its timeout with it. */
	assert_int_equal(ask(16).variant, SYSCALL_SUCCESS);
	syscall_release(&proc);
	assert_false(fa.armed);
}

static void test_no_source_is_nodevice(void **state)
{
	(void)state;
	struct syscall_result r = ask(8);
	assert_int_equal(r.variant, SYSCALL_FAILURE);
	assert_int_equal(r.v[0], ERR_NODEVICE);
	/* Command 0 still says the driver exists. */
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, RNG_DRIVER_NUMBER, 0, 0, 0).variant,
			 SYSCALL_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes_arrive_with_the_upcall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes_busy_and_unknown_commands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_buffer_is_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_process_gone_gets_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_silent_source_times_out_with_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_an_answer_in_time_leaves_no_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_source_is_nodevice, setup_no_source,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
