/*
 * capsules/processes.c over a fake CPU (a scripted kernel/hil/user.h):
 * round robin, system calls answered without leaving the process, a
 * process waiting in yield never run until an upcall comes (and then the
 * upcall's frame is built right: below the red zone, aligned, with the
 * return address in the process's own memory), the fault report and each
 * policy, exit, and the timeslice armed only while a process runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/processes.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"
#include "fake_elf.h"
#include "fake_log.h"

#define BASE PROCESS_USER_BASE
#define REGION (32 * PROC_PAGE)
#define DRIVER 0x42

/* ---- the fake CPU -------------------------------------------------------- */

struct step {
	enum user_stop stop;
	struct syscall_args args;
	struct user_fault fault;
};

static struct {
	uint64_t pc, sp, a[4];
	unsigned loads, remaps, calls;
	struct syscall_result ret;
} slot[4];
static struct step script[32];
static unsigned script_len, script_pos;
static unsigned ran[32], nran;

static void f_load(void *hw, unsigned s, const struct process_memory *m, uint64_t pc, uint64_t sp,
		   const uint64_t a[4])
{
	(void)hw;
	(void)m;
	slot[s].pc = pc;
	slot[s].sp = sp;
	memcpy(slot[s].a, a, sizeof(slot[s].a));
	slot[s].loads++;
}

static void f_remap(void *hw, unsigned s, const struct process_memory *m)
{
	(void)hw;
	(void)m;
	slot[s].remaps++;
}

static struct user_fault last_fault;

/* The chip's fast path, as the processes capsule set it. */
static user_syscall_fn fast_fn;
static void *fast_ctx;
static unsigned fast_answered;

static void f_set_syscall(void *hw, user_syscall_fn fn, void *ctx)
{
	(void)hw;
	fast_fn = fn;
	fast_ctx = ctx;
}

/* One run: the script's steps until one ends it. A call goes to the fast
 * path first, as on the chip: answered, the run goes on. */
static enum user_stop f_run(void *hw, unsigned s, struct syscall_args *args)
{
	(void)hw;
	if (nran < 32)
		ran[nran++] = s;
	for (;;) {
		if (script_pos == script_len)
			return USER_INTERRUPTED;
		const struct step *st = &script[script_pos++];
		last_fault = st->fault;
		if (st->stop != USER_SYSCALL)
			return st->stop;
		slot[s].pc += 2; /* past the `syscall` */
		if (fast_fn && fast_fn(fast_ctx, &st->args, &slot[s].ret)) {
			fast_answered++;
			continue;
		}
		*args = st->args;
		return USER_SYSCALL;
	}
}

static void f_fault(void *hw, unsigned s, struct user_fault *fault)
{
	(void)hw;
	(void)s;
	*fault = last_fault;
}

static void f_set_return(void *hw, unsigned s, const struct syscall_result *r)
{
	(void)hw;
	slot[s].ret = *r;
}

static bool f_upcall(void *hw, unsigned s, const struct process_memory *m, const struct upcall *u)
{
	(void)hw;
	uint64_t sp = process_memory_call_sp(slot[s].sp, 128);
	uint64_t *k = sp ? process_memory_word(m, sp) : NULL;

	if (!k)
		return false;
	*k = slot[s].pc;
	slot[s].pc = u->fn;
	slot[s].sp = sp;
	slot[s].a[0] = u->arg[0];
	slot[s].a[1] = u->arg[1];
	slot[s].a[2] = u->arg[2];
	slot[s].a[3] = u->userdata;
	slot[s].calls++;
	return true;
}

static uint64_t f_pc(void *hw, unsigned s)
{
	(void)hw;
	return slot[s].pc;
}

static uint64_t f_sp(void *hw, unsigned s)
{
	(void)hw;
	return slot[s].sp;
}

static size_t f_dump(void *hw, unsigned s, char *buf, size_t cap)
{
	(void)hw;
	int n = snprintf(buf, cap, "  (registers of slot %u)\n", s);
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

static const struct hil_user fake_user = {
	.slots = 4,
	.load = f_load,
	.remap = f_remap,
	.run = f_run,
	.fault = f_fault,
	.set_syscall = f_set_syscall,
	.set_return = f_set_return,
	.upcall = f_upcall,
	.pc = f_pc,
	.sp = f_sp,
	.dump = f_dump,
};

static void then(enum user_stop stop, uint64_t cls, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3)
{
	struct step *st = &script[script_len++];
	memset(st, 0, sizeof(*st));
	st->stop = stop;
	st->args = (struct syscall_args){ cls, { a0, a1, a2, a3 } };
}

static void then_fault(uint64_t address)
{
	struct step *st = &script[script_len++];
	memset(st, 0, sizeof(*st));
	st->stop = USER_FAULT;
	st->fault = (struct user_fault){ "page fault", 14, 6, address, BASE + 4, 0 };
}

/* ---- a driver that can schedule upcalls ---------------------------------- */

static struct syscall_result drv_command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
					 uint64_t a2)
{
	(void)ctx;
	(void)p;
	(void)a2;
	return cmd == 0 ? syscall_success() : syscall_success_u32((uint32_t)a1 * 2);
}

static const struct syscall_driver drv = {
	.number = DRIVER,
	.name = "drv",
	.grant = 2,
	.upcalls = 1,
	.command = drv_command,
};

/* ---- fixture ------------------------------------------------------------- */

static struct processes ps;
static uint8_t *regions[2];
static uint8_t file[4096];
static size_t file_len;

static int setup(void **state)
{
	(void)state;
	static const uint8_t text[64] = { 0x90 };
	const struct fake_elf_segment seg[] = { { 5, BASE, text, sizeof(text), sizeof(text) } };

	fake_arch_reset();
	loop_reset_for_test();
	log_set_level(LOG_INFO);
	fake_log_capture();
	syscall_reset_for_test();
	syscall_register(&drv);
	memset(slot, 0, sizeof(slot));
	script_len = script_pos = nran = 0;
	fast_answered = 0;
	file_len = fake_elf_build(file, sizeof(file), BASE, seg, 1);
	processes_init(&ps, &fake_user, FAULT_STOP, 0);
	for (int i = 0; i < 2; i++)
		regions[i] = aligned_alloc(PROC_PAGE, REGION);
	assert_true(processes_load(&ps, "one", file, file_len, regions[0], REGION));
	assert_true(processes_load(&ps, "two", file, file_len, regions[1], REGION));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		free(regions[i]);
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_load_starts_at_the_entry(void **state)
{
	(void)state;
	assert_int_equal(ps.count, 2);
	assert_int_equal(slot[0].loads, 1);
	assert_int_equal(slot[0].pc, BASE);
	assert_int_equal(slot[0].sp, ps.proc[0].mem.stack_hi);
	assert_int_equal(slot[0].a[0], BASE);
	assert_int_equal(slot[0].a[1], ps.proc[0].mem.app_break);
	assert_int_equal(slot[0].a[2], REGION);
	fake_log_expect("process one: loaded");
	/* A bad file is refused with its reason; the table keeps the others. */
	uint8_t bad[64] = { 0 };
	assert_false(processes_load(&ps, "bad", bad, sizeof(bad), regions[0], REGION));
	fake_log_expect("process bad: not loaded: not an ELF file");
	assert_int_equal(ps.count, 2);
}

static void test_round_robin(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		assert_true(processes_run_one(&ps)); /* each stops INTERRUPTED */
	assert_int_equal(nran, 4);
	assert_int_equal(ran[0], 0);
	assert_int_equal(ran[1], 1);
	assert_int_equal(ran[2], 0);
	assert_int_equal(ran[3], 1);
}

static void test_calls_answered_without_leaving(void **state)
{
	(void)state;
	then(USER_SYSCALL, SYSCALL_COMMAND, DRIVER, 1, 21, 0);
	then(USER_SYSCALL, SYSCALL_MEMOP, MEMOP_SBRK, 4096, 0, 0);
	assert_true(processes_run_one(&ps));
	/* One run: the command answered in place by the fast path, sbrk (the
	 * break moves, the pages are mapped again) left to the loop. */
	assert_int_equal(nran, 1);
	assert_int_equal(fast_answered, 1);
	assert_int_equal(slot[0].ret.variant, SYSCALL_SUCCESS_U64); /* sbrk's old break */
	assert_int_equal(slot[0].remaps, 1);
	assert_int_equal(ps.proc[0].syscalls, 2);
	assert_int_equal(ps.proc[0].state, PROCESS_READY);
	/* The next turn is the other process's (round robin), then this one's. */
	assert_true(processes_run_one(&ps));
	assert_true(processes_run_one(&ps));
	assert_int_equal(ran[1], 1);
	assert_int_equal(ran[2], 0);
}

static void test_fast_path_answers_only_what_changes_nothing_else(void **state)
{
	(void)state;
	struct syscall_result r;
	struct syscall_args a;

	assert_non_null(fast_fn);
	ps.running = &ps.proc[0];
	a = (struct syscall_args){ SYSCALL_COMMAND, { DRIVER, 1, 21, 0 } };
	assert_true(fast_fn(fast_ctx, &a, &r));
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U32);
	assert_int_equal(r.v[0], 42);
	a = (struct syscall_args){ SYSCALL_COMMAND, { DRIVER, 0, 0, 0 } };
	assert_true(fast_fn(fast_ctx, &a, &r));
	assert_int_equal(r.variant, SYSCALL_SUCCESS); /* command 0: the driver exists */
	a = (struct syscall_args){ SYSCALL_COMMAND, { 0x999, 0, 0, 0 } };
	assert_true(fast_fn(fast_ctx, &a, &r));
	assert_int_equal(r.variant, SYSCALL_FAILURE);
	assert_int_equal(r.v[0], ERR_NODEVICE);
	/* A bad pointer is an error code on the fast path too. */
	a = (struct syscall_args){ SYSCALL_ALLOW_RO, { DRIVER, 0, 0x1000, 16 } };
	assert_true(fast_fn(fast_ctx, &a, &r));
	assert_int_equal(r.variant, SYSCALL_FAILURE_U32_U32);
	assert_int_equal(r.v[0], ERR_INVAL);
	/* Declined, untouched: yield, exit, brk and sbrk. */
	static const uint64_t declined[][2] = { { SYSCALL_YIELD, YIELD_WAIT },
						{ SYSCALL_YIELD, YIELD_NO_WAIT },
						{ SYSCALL_EXIT, EXIT_TERMINATE },
						{ SYSCALL_MEMOP, MEMOP_BRK },
						{ SYSCALL_MEMOP, MEMOP_SBRK } };
	uint64_t calls = ps.proc[0].syscalls;
	for (unsigned i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		a = (struct syscall_args){ declined[i][0], { declined[i][1], 0, 0, 0 } };
		assert_false(fast_fn(fast_ctx, &a, &r));
	}
	assert_int_equal(ps.proc[0].syscalls, calls);
	assert_int_equal(ps.proc[0].state, PROCESS_READY);
}

static void test_waiting_process_is_not_run_until_an_upcall(void **state)
{
	(void)state;
	then(USER_SYSCALL, SYSCALL_SUBSCRIBE, DRIVER, 0, BASE + 0x10, 77);
	then(USER_SYSCALL, SYSCALL_YIELD, YIELD_WAIT, 0, 0, 0);
	assert_true(processes_run_one(&ps));
	assert_int_equal(ps.proc[0].state, PROCESS_YIELDED);
	then(USER_SYSCALL, SYSCALL_YIELD, YIELD_WAIT, 0, 0, 0);
	assert_true(processes_run_one(&ps)); /* two */
	assert_int_equal(ps.proc[1].state, PROCESS_YIELDED);
	/* Both wait: nothing to run, the loop may sleep. */
	unsigned runs = nran;
	assert_false(processes_run_one(&ps));
	assert_int_equal(nran, runs);

	/* An upcall for one: it runs, entering the function. */
	uint64_t pc = slot[0].pc, sp = slot[0].sp;
	assert_true(syscall_schedule_upcall(&drv, &ps.proc[0], 0, 1, 2, 3));
	assert_true(processes_run_one(&ps));
	assert_int_equal(ran[nran - 1], 0);
	assert_int_equal(slot[0].calls, 1);
	assert_int_equal(slot[0].pc, BASE + 0x10);
	assert_int_equal(slot[0].a[0], 1);
	assert_int_equal(slot[0].a[2], 3);
	assert_int_equal(slot[0].a[3], 77);
	/* Below the red zone, with RSP + 8 16-aligned, the return address on top. */
	uint64_t nsp = slot[0].sp;
	assert_true(nsp <= sp - 128 - 8);
	assert_int_equal((nsp + 8) % 16, 0);
	uint64_t ret;
	memcpy(&ret, regions[0] + (nsp - BASE), 8);
	assert_int_equal(ret, pc);
	assert_int_equal(ps.proc[0].state, PROCESS_READY);
}

static void test_fault_stop_reports(void **state)
{
	(void)state;
	const struct process_memory *m = &ps.proc[0].mem;
	then_fault(m->image_hi + 8);
	assert_true(processes_run_one(&ps));
	assert_int_equal(ps.proc[0].state, PROCESS_FAULTED);
	assert_int_equal(ps.proc[0].faults, 1);
	fake_log_expect("process one faulted: page fault (vector 14, error 0x6)");
	fake_log_expect("(stack overflow: the guard page under the stack)");
	fake_log_expect("(registers of slot 0)");
	fake_log_expect("guard   [0x8000001000-0x8000002000)");
	fake_log_expect("policy: stop");
	/* The other one still runs; the faulted one never again. */
	assert_true(processes_run_one(&ps));
	assert_int_equal(ran[nran - 1], 1);
	assert_true(processes_run_one(&ps));
	assert_int_equal(ran[nran - 1], 1);
}

static void test_fault_restart_up_to_n(void **state)
{
	(void)state;
	ps.policy = FAULT_RESTART;
	ps.restart_max = 1;
	ps.proc[1].state = PROCESS_KILLED; /* only one runs */
	then_fault(0x100000);
	assert_true(processes_run_one(&ps));
	fake_log_expect("address 0x100000 (not the process's memory)");
	fake_log_expect("policy: restart (1 of 1)");
	assert_int_equal(ps.proc[0].state, PROCESS_READY);
	assert_int_equal(ps.proc[0].restarts, 1);
	assert_int_equal(slot[0].loads, 2);
	fake_log_clear();
	then_fault(0x100000);
	assert_true(processes_run_one(&ps));
	fake_log_expect("policy: restart, but it restarted 1 times: stopped");
	assert_int_equal(ps.proc[0].state, PROCESS_FAULTED);
}

static void test_fault_panic(void **state)
{
	(void)state;
	ps.policy = FAULT_PANIC;
	then_fault(0);
	expect_assert_failure(processes_run_one(&ps));
	fake_log_expect("process one faulted (procfault=panic)");
}

static void test_exit_and_restart_calls(void **state)
{
	(void)state;
	then(USER_SYSCALL, SYSCALL_EXIT, EXIT_TERMINATE, 7, 0, 0);
	assert_true(processes_run_one(&ps));
	assert_int_equal(ps.proc[0].state, PROCESS_EXITED);
	fake_log_expect("process one: exited with 7");
	then(USER_SYSCALL, SYSCALL_EXIT, EXIT_RESTART, 0, 0, 0);
	assert_true(processes_run_one(&ps)); /* two asks to restart */
	assert_int_equal(ps.proc[1].restarts, 1);
	assert_int_equal(slot[1].loads, 2);
	/* The shell's restart brings the exited one back. */
	assert_true(processes_restart(&ps, processes_find(&ps, "one")));
	assert_int_equal(ps.proc[0].state, PROCESS_READY);
	assert_null(processes_find(&ps, "three"));
}

static void test_upcall_on_a_full_stack_is_a_fault(void **state)
{
	(void)state;
	then(USER_SYSCALL, SYSCALL_SUBSCRIBE, DRIVER, 0, BASE + 0x10, 0);
	then(USER_SYSCALL, SYSCALL_YIELD, YIELD_WAIT, 0, 0, 0);
	assert_true(processes_run_one(&ps));
	slot[0].sp = ps.proc[0].mem.stack_lo + 64; /* no room below the red zone */
	syscall_schedule_upcall(&drv, &ps.proc[0], 0, 0, 0, 0);
	ps.next = 0;
	assert_true(processes_run_one(&ps));
	fake_log_expect("process one faulted: stack overflow delivering an upcall");
	assert_int_equal(ps.proc[0].state, PROCESS_FAULTED);
}

static void test_timeslice_armed_only_while_running(void **state)
{
	(void)state;
	struct fake_alarm hw;
	struct alarm_mux mux;

	fake_alarm_init(&hw, 1000000, 0);
	alarm_mux_init(&mux, &hw.hil);
	processes_set_timeslice(&ps, &mux, 10);
	assert_true(processes_run_one(&ps)); /* interrupted: the slice stays */
	assert_true(ps.slice.armed);
	assert_int_equal(ps.slice.deadline, 10000);
	then(USER_SYSCALL, SYSCALL_YIELD, YIELD_WAIT, 0, 0, 0);
	assert_true(processes_run_one(&ps)); /* two waits */
	then(USER_SYSCALL, SYSCALL_YIELD, YIELD_WAIT, 0, 0, 0);
	assert_true(processes_run_one(&ps)); /* one waits */
	assert_false(ps.slice.armed);
	assert_false(hw.armed); /* nothing left to wake the CPU */
	processes_set_timeslice(&ps, &mux, 0);
	assert_null(ps.mux);
}

static void test_parse_policy(void **state)
{
	(void)state;
	enum fault_policy p = FAULT_STOP;
	unsigned n = 0;

	assert_true(processes_parse_policy("panic", &p, &n));
	assert_int_equal(p, FAULT_PANIC);
	assert_true(processes_parse_policy("restart", &p, &n));
	assert_int_equal(p, FAULT_RESTART);
	assert_int_equal(n, 3);
	assert_true(processes_parse_policy("restart:12", &p, &n));
	assert_int_equal(n, 12);
	assert_true(processes_parse_policy("stop", &p, &n));
	assert_int_equal(p, FAULT_STOP);
	assert_false(processes_parse_policy("restart:", &p, &n));
	assert_false(processes_parse_policy("restart:x", &p, &n));
	assert_false(processes_parse_policy("restart:99999999999", &p, &n));
	assert_false(processes_parse_policy("restarts", &p, &n));
	assert_false(processes_parse_policy("", &p, &n));
	assert_int_equal(p, FAULT_STOP); /* refused: unchanged */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load_starts_at_the_entry),
		T(test_round_robin),
		T(test_calls_answered_without_leaving),
		T(test_fast_path_answers_only_what_changes_nothing_else),
		T(test_waiting_process_is_not_run_until_an_upcall),
		T(test_fault_stop_reports),
		T(test_fault_restart_up_to_n),
		T(test_fault_panic),
		T(test_exit_and_restart_calls),
		T(test_upcall_on_a_full_stack_is_a_fault),
		T(test_timeslice_armed_only_while_running),
		T(test_parse_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
