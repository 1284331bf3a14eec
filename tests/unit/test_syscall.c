/*
 * kernel/syscall.c: the five calls with TRD 104's meaning, on a process
 * loaded from a small executable, with a fake driver. Every pointer a
 * process passes is checked against its own memory before the driver
 * sees it (kernel addresses, text for a writable buffer, wrapping
 * lengths all come back INVAL); subscribe and allow return the previous
 * values; a new subscribe takes back its queued upcalls; yield delivers
 * upcalls in order, blocks when there are none, and says whether one ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/syscall.h"
#include "fake_arch.h"
#include "fake_elf.h"
#include "fake_log.h"
#include "fake_syscall.h"

#define BASE PROCESS_USER_BASE
#define TEXT BASE
#define DATA (BASE + 0x1000)
#define REGION (16 * PROC_PAGE)
#define DRIVER 0x99
#define KERNEL_ADDR 0x100000ull

static uint8_t *region;
static struct process proc;
static uint8_t file[4096];
static size_t file_len;

/* ---- a driver ------------------------------------------------------------ */

struct fake_state {
	uint64_t calls;
};

static struct syscall_result fake_command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
					  uint64_t a2);

static const struct syscall_driver fake = {
	.number = DRIVER,
	.name = "fake",
	.grant = 1,
	.state_size = sizeof(struct fake_state),
	.upcalls = 2,
	.allows_rw = 1,
	.allows_ro = 1,
	.command = fake_command,
};

static struct syscall_result fake_command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
					  uint64_t a2)
{
	(void)ctx;
	void *dst;
	const void *src;
	size_t dlen, slen;
	struct fake_state *s;

	switch (cmd) {
	case 0:
		return syscall_success();
	case 1:
		return syscall_success_u32((uint32_t)(a1 + a2));
	case 2: /* copy the read-only buffer into the read-write one */
		if (!syscall_buffer_ro(&fake, p, 0, &src, &slen) ||
		    !syscall_buffer_rw(&fake, p, 0, &dst, &dlen))
			return syscall_failure(ERR_RESERVE);
		memcpy(dst, src, slen < dlen ? slen : dlen);
		return syscall_success_u32((uint32_t)(slen < dlen ? slen : dlen));
	case 3:
		syscall_schedule_upcall(&fake, p, 0, a1, a2, 3);
		return syscall_success();
	case 4:
		s = syscall_driver_state(&fake, p);
		if (!s)
			return syscall_failure(ERR_NOMEM);
		return syscall_success_u64(s->calls++);
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	static const uint8_t text[32] = { 0xc3 };
	static const char data[] = "hello, knock";
	const struct fake_elf_segment seg[] = {
		{ 5, TEXT, text, sizeof(text), sizeof(text) },
		{ 6, DATA, data, sizeof(data), 0x1000 },
	};

	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	syscall_reset_for_test();
	syscall_register(&fake);
	file_len = fake_elf_build(file, sizeof(file), TEXT, seg, 2);
	assert_true(file_len > 0);
	region = aligned_alloc(PROC_PAGE, REGION);
	assert_null(process_load(&proc, "t", file, file_len, region, REGION));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

static enum syscall_action yield(uint64_t kind, uint64_t flag, struct upcall *u)
{
	struct syscall_args a = { SYSCALL_YIELD, { kind, flag, 0, 0 } };
	struct syscall_result r;
	return syscall_handle(&proc, &a, &r, u);
}

static void assert_failure(struct syscall_result r, enum syscall_error e)
{
	assert_true(r.variant < SYSCALL_SUCCESS);
	assert_int_equal(r.v[0], e);
}

/* ---- command ------------------------------------------------------------- */

static void test_command_and_unknowns(void **state)
{
	(void)state;
	struct syscall_result r = fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 0, 0, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS);
	r = fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 1, 40, 2);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32);
	assert_int_equal(r.v[0], 42);
	assert_failure(fake_syscall(&proc, SYSCALL_COMMAND, 0x7777, 0, 0, 0), ERR_NODEVICE);
	assert_failure(fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 99, 0, 0), ERR_NOSUPPORT);
	assert_failure(fake_syscall(&proc, 7, 0, 0, 0, 0), ERR_NOSUPPORT);
	assert_failure(fake_syscall(&proc, UINT64_MAX, 0, 0, 0, 0), ERR_NOSUPPORT);
	assert_int_equal(proc.syscalls, 6);
}

/* ---- subscribe ----------------------------------------------------------- */

static void test_subscribe_returns_previous(void **state)
{
	(void)state;
	struct syscall_result r = fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 1, TEXT + 4, 77);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(r.v[0], 0);
	assert_int_equal(r.v[1], 0);
	r = fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 1, TEXT + 8, 88);
	assert_int_equal(r.v[0], TEXT + 4);
	assert_int_equal(r.v[1], 77);
	r = fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 1, 0, 0); /* unsubscribe */
	assert_int_equal(r.v[0], TEXT + 8);
	assert_int_equal(r.v[1], 88);
}

static void test_subscribe_refusals_return_what_was_passed(void **state)
{
	(void)state;
	struct syscall_result r =
		fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 2, TEXT, 5); /* only 0 and 1 */
	assert_int_equal(r.variant, SYSCALL_FAILURE_U32_U32);
	assert_int_equal(r.v[0], ERR_INVAL);
	assert_int_equal(r.v[1], TEXT);
	assert_int_equal(r.v[2], 5);
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, 0x7777, 0, TEXT, 5), ERR_NODEVICE);
	/* A function that is not the process's code. */
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, DATA, 5), ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, KERNEL_ADDR, 5),
		       ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT + 32, 5), ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, 0xffffffff81000000ull, 5),
		       ERR_INVAL);
	/* None of these took a grant. */
	assert_int_equal(proc.mem.kernel_break, BASE + REGION);
}

/* ---- allow --------------------------------------------------------------- */

static void test_allow_checks_the_buffer(void **state)
{
	(void)state;
	struct syscall_result r = fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA, 64);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(r.v[0], 0);
	r = fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA + 64, 16);
	assert_int_equal(r.v[0], DATA);
	assert_int_equal(r.v[1], 64);
	/* Text is not writable; kernel memory and wrapping lengths are not the process's. */
	r = fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, TEXT, 4);
	assert_int_equal(r.variant, SYSCALL_FAILURE_U32_U32);
	assert_int_equal(r.v[0], ERR_INVAL);
	assert_int_equal(r.v[1], TEXT);
	assert_int_equal(r.v[2], 4);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, KERNEL_ADDR, 16),
		       ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RO, DRIVER, 0, KERNEL_ADDR, 16),
		       ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA, UINT64_MAX),
		       ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA, 0x1001), ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 1, DATA, 4), ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RO, DRIVER, 1, DATA, 4), ERR_INVAL);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RO, 0x7777, 0, DATA, 4), ERR_NODEVICE);
	/* The grant region is never the process's, even though it is in its region. */
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 4, 0, 0);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, proc.mem.kernel_break, 8),
		       ERR_INVAL);
	/* Read-only buffers may be text. An empty buffer (any address) withdraws one. */
	assert_int_equal(fake_syscall(&proc, SYSCALL_ALLOW_RO, DRIVER, 0, TEXT, 32).variant,
			 SYSCALL_SUCCESS_U32_U32);
	r = fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, KERNEL_ADDR, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32_U32);
	assert_int_equal(r.v[0], DATA + 64); /* the last one that was accepted */
}

static void test_driver_reaches_buffers_through_the_kernel(void **state)
{
	(void)state;
	/* Copy "hello, knock" from the data to 0x100 bytes further. */
	fake_syscall(&proc, SYSCALL_ALLOW_RO, DRIVER, 0, DATA, 13);
	fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA + 0x100, 8);
	struct syscall_result r = fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 2, 0, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32);
	assert_int_equal(r.v[0], 8);
	assert_memory_equal(region + 0x1100, "hello, k", 8);
	assert_int_equal(region[0x1108], 0);
	/* Withdrawn: the driver gets nothing. */
	fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, 0, 0);
	assert_failure(fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 2, 0, 0), ERR_RESERVE);
}

static void test_buffer_given_back_with_the_break_is_refused(void **state)
{
	(void)state;
	struct syscall_result r = fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_SBRK, 256, 0, 0);
	uint64_t heap = r.v[0];
	void *buf;
	size_t len;

	assert_int_equal(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, heap, 128).variant,
			 SYSCALL_SUCCESS_U32_U32);
	assert_true(syscall_buffer_rw(&fake, &proc, 0, &buf, &len));
	assert_int_equal(len, 128);
	fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_SBRK, (uint64_t)-256, 0, 0);
	assert_false(syscall_buffer_rw(&fake, &proc, 0, &buf, &len));
	assert_null(buf);
	assert_int_equal(len, 0);
}

/* ---- upcalls and yield --------------------------------------------------- */

static void test_upcall_needs_a_subscription(void **state)
{
	(void)state;
	struct upcall u;

	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 1, 2);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	assert_int_equal(proc.upcalls.dropped, 0); /* nothing to call: not a drop */
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_BLOCK);
	assert_int_equal(proc.state, PROCESS_YIELDED);
}

static void test_yield_delivers_in_order(void **state)
{
	(void)state;
	struct upcall u;

	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT + 2, 1234);
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 10, 11);
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 20, 21);
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_UPCALL);
	assert_int_equal(u.fn, TEXT + 2);
	assert_int_equal(u.userdata, 1234);
	assert_int_equal(u.arg[0], 10);
	assert_int_equal(u.arg[1], 11);
	assert_int_equal(u.arg[2], 3);
	assert_int_equal(proc.state, PROCESS_READY);
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_UPCALL);
	assert_int_equal(u.arg[0], 20);
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_BLOCK);
}

static void test_yield_no_wait_sets_the_flag(void **state)
{
	(void)state;
	struct upcall u;

	region[0x1200] = 0x55;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT, 0);
	assert_int_equal(yield(YIELD_NO_WAIT, DATA + 0x200, &u), SYSCALL_RETURN);
	assert_int_equal(region[0x1200], 0);
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 1, 1);
	assert_int_equal(yield(YIELD_NO_WAIT, DATA + 0x200, &u), SYSCALL_UPCALL);
	assert_int_equal(region[0x1200], 1);
	assert_int_equal(proc.state, PROCESS_READY);
	/* A flag the process may not write is ignored, not written. */
	assert_int_equal(yield(YIELD_NO_WAIT, TEXT, &u), SYSCALL_RETURN);
	assert_int_equal(region[0], 0xc3);
	assert_int_equal(yield(YIELD_NO_WAIT, KERNEL_ADDR, &u), SYSCALL_RETURN);
	assert_int_equal(yield(YIELD_NO_WAIT, 0, &u), SYSCALL_RETURN);
	/* An unknown kind of yield returns at once. */
	assert_failure(fake_syscall(&proc, SYSCALL_YIELD, 7, 0, 0, 0), ERR_NOSUPPORT);
}

static void test_new_subscribe_takes_back_queued_upcalls(void **state)
{
	(void)state;
	struct upcall u;

	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT + 1, 0);
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 1, TEXT + 2, 0);
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 1, 0);          /* upcall 0 */
	assert_true(syscall_schedule_upcall(&fake, &proc, 1, 2, 0, 0)); /* upcall 1 */
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 3, 0);          /* upcall 0 */
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT + 3, 0);
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_UPCALL);
	assert_int_equal(u.subscribe, 1);
	assert_int_equal(u.arg[0], 2);
	assert_int_equal(yield(YIELD_WAIT, 0, &u), SYSCALL_BLOCK);
}

static void test_upcall_overflow_is_counted(void **state)
{
	(void)state;
	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT, 0);
	for (int i = 0; i < UPCALL_QUEUE_LEN + 5; i++)
		fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, (uint64_t)i, 0);
	assert_int_equal(upcall_queue_count(&proc.upcalls), UPCALL_QUEUE_LEN);
	assert_int_equal(proc.upcalls.dropped, 5);
}

/* ---- memop, exit, grants ------------------------------------------------- */

static void test_memop(void **state)
{
	(void)state;
	uint64_t end = fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_MEMORY_END, 0, 0, 0).v[0];
	assert_int_equal(end, proc.mem.stack_hi);
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_MEMORY_START, 0, 0, 0).v[0],
			 BASE);
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_IMAGE_START, 0, 0, 0).v[0], TEXT);
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_IMAGE_END, 0, 0, 0).v[0],
			 DATA + 0x1000);
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_GRANT_START, 0, 0, 0).v[0],
			 BASE + REGION);
	struct syscall_result r = fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_SBRK, 100, 0, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U64);
	assert_int_equal(r.v[0], end);
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_BRK, end + 50, 0, 0).variant,
			 SYSCALL_SUCCESS);
	assert_int_equal(proc.mem.app_break, end + 50);
	assert_failure(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_BRK, KERNEL_ADDR, 0, 0), ERR_NOMEM);
	assert_failure(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_BRK, BASE + REGION + 1, 0, 0),
		       ERR_NOMEM);
	assert_failure(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_SBRK, (uint64_t)INT64_MIN, 0, 0),
		       ERR_NOMEM);
	assert_failure(fake_syscall(&proc, SYSCALL_MEMOP, 99, 0, 0, 0), ERR_NOSUPPORT);
}

static void test_grant_out_of_memory(void **state)
{
	(void)state;
	/* The heap takes everything: no room for the driver's grant. */
	assert_int_equal(fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_BRK, BASE + REGION, 0, 0).variant,
			 SYSCALL_SUCCESS);
	assert_failure(fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT, 0), ERR_NOMEM);
	assert_failure(fake_syscall(&proc, SYSCALL_ALLOW_RW, DRIVER, 0, DATA, 4), ERR_NOMEM);
	assert_failure(fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 4, 0, 0), ERR_NOMEM);
	fake_syscall(&proc, SYSCALL_MEMOP, MEMOP_BRK, proc.mem.stack_hi, 0, 0);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 4, 0, 0).v[0], 0);
	assert_int_equal(fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 4, 0, 0).v[0],
			 1); /* state kept */
}

static void test_exit(void **state)
{
	(void)state;
	struct syscall_args a = { SYSCALL_EXIT, { EXIT_TERMINATE, 42, 0, 0 } };
	struct syscall_result r;
	struct upcall u;

	fake_syscall(&proc, SYSCALL_SUBSCRIBE, DRIVER, 0, TEXT, 0);
	fake_syscall(&proc, SYSCALL_COMMAND, DRIVER, 3, 0, 0);
	assert_int_equal(syscall_handle(&proc, &a, &r, &u), SYSCALL_EXITED);
	assert_int_equal(proc.state, PROCESS_EXITED);
	assert_int_equal(proc.exit_code, 42);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	assert_int_equal(proc.mem.kernel_break, BASE + REGION); /* grants freed */
	/* No upcall reaches an exited process. */
	assert_false(syscall_schedule_upcall(&fake, &proc, 0, 0, 0, 0));

	assert_null(process_restart(&proc));
	a.a[0] = EXIT_RESTART;
	assert_int_equal(syscall_handle(&proc, &a, &r, &u), SYSCALL_RESTART);
	a.a[0] = 2;
	assert_int_equal(syscall_handle(&proc, &a, &r, &u), SYSCALL_RETURN);
	assert_failure(r, ERR_NOSUPPORT);
}

static void test_register_refuses_clashes(void **state)
{
	(void)state;
	struct syscall_driver other = fake;
	other.name = "other";
	expect_assert_failure(syscall_register(&other));
	assert_non_null(strstr(fake_log, "drivers fake and other share a number or a grant"));
	loop_reset_for_test();
	other.number = 5;
	other.grant = GRANT_MAX;
	expect_assert_failure(syscall_register(&other));
	assert_non_null(strstr(fake_log, "driver other has grant 8"));
}

static void test_drivers_are_listed_in_registration_order(void **state)
{
	(void)state;
	struct syscall_driver second = fake;
	second.name = "second";
	second.number = fake.number + 1;
	second.grant = fake.grant + 1;
	syscall_register(&second);
	assert_ptr_equal(syscall_driver_at(0), &fake);
	assert_ptr_equal(syscall_driver_at(1), &second);
	assert_null(syscall_driver_at(2));
	assert_null(syscall_driver_at(SYSCALL_DRIVERS_MAX));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_command_and_unknowns),
		T(test_subscribe_returns_previous),
		T(test_subscribe_refusals_return_what_was_passed),
		T(test_allow_checks_the_buffer),
		T(test_driver_reaches_buffers_through_the_kernel),
		T(test_buffer_given_back_with_the_break_is_refused),
		T(test_upcall_needs_a_subscription),
		T(test_yield_delivers_in_order),
		T(test_yield_no_wait_sets_the_flag),
		T(test_new_subscribe_takes_back_queued_upcalls),
		T(test_upcall_overflow_is_counted),
		T(test_memop),
		T(test_grant_out_of_memory),
		T(test_exit),
		T(test_register_refuses_clashes),
		T(test_drivers_are_listed_in_registration_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
