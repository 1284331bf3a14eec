/*
 * capsules/block_driver.c against a fake block HIL (fake_block.h: a disk
 * of numbered bytes, a queue that answers only when the test says, and
 * can be full) and real processes: command 0, the capacity, a read
 * landing in the allowed buffer only from done() and with an upcall;
 * every refusal (SIZE, INVAL, RESERVE, BUSY, no write command, NODEVICE
 * without a disk); several processes served oldest first; a process
 * killed with a read out, or one that gave its buffer back, never
 * written; a full queue retried from room(); a device error; and the
 * shell's buffers and room() passed on to the client before the driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/block_driver.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_block.h"
#include "fake_process.h"
#include "fake_syscall.h"

#define DISK_SECTORS 100
#define QUEUE 2
#define BASE PROCESS_USER_BASE
#define REGION FAKE_PROCESS_REGION
#define DATA FAKE_PROCESS_DATA
#define DRV BLOCK_DRIVER_NUMBER
#define NPROC 3

static uint8_t disk[DISK_SECTORS][HIL_BLOCK_SECTOR];

static struct fake_block blk;

/* The client before the driver (the shell's `blk`): what reaches it. */
static unsigned next_dones, next_rooms;
static uint8_t *next_buf;
static void next_done(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t n, int ok)
{
	(void)ctx;
	(void)op;
	(void)lba;
	(void)n;
	(void)ok;
	next_dones++;
	next_buf = buf;
}
static void next_room(void *ctx)
{
	(void)ctx;
	next_rooms++;
}
static const struct hil_block_client next = { .done = next_done, .room = next_room };

/* The device finishes the oldest request out; ok false: a device error. */
static void finish(int ok)
{
	struct fake_block_req r = fake_block_take(&blk);
	if (ok)
		memcpy(r.buf, disk[r.lba], r.sectors * HIL_BLOCK_SECTOR);
	blk.client->done(blk.client->ctx, HIL_BLOCK_READ, r.lba, r.buf, r.sectors, ok);
	fake_block_room(&blk);
}

static struct block_driver bd;
static struct process procs[NPROC];
static uint8_t *regions[NPROC];

static int setup(void **state)
{
	(void)state;

	fake_arch_reset();
	loop_reset_for_test();
	syscall_reset_for_test();
	fake_block_init(&blk, DISK_SECTORS, QUEUE);
	next_dones = next_rooms = 0;
	next_buf = NULL;
	for (unsigned s = 0; s < DISK_SECTORS; s++)
		for (unsigned i = 0; i < HIL_BLOCK_SECTOR; i++)
			disk[s][i] = (uint8_t)(s * 7 + i);
	for (unsigned i = 0; i < NPROC; i++) {
		char name[2] = { (char)('a' + i), 0 };
		assert_null(fake_process_load(&procs[i], name, 4, &regions[i]));
		memset(regions[i] + PROC_PAGE, 0xee, 4 * PROC_PAGE);
	}
	block_driver_init(&bd, &blk.hil, &next, 2);
	for (unsigned i = 0; i < NPROC; i++)
		assert_int_equal(
			fake_syscall(&procs[i], SYSCALL_SUBSCRIBE, DRV, 0, BASE, 0).variant,
			SYSCALL_SUCCESS_U32_U32);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NPROC; i++)
		free(regions[i]);
	return 0;
}

static uint8_t *data(unsigned i)
{
	return regions[i] + PROC_PAGE;
}

static struct syscall_result allow(unsigned i, uint64_t off, uint64_t len)
{
	return fake_syscall(&procs[i], SYSCALL_ALLOW_RW, DRV, 0, DATA + off, len);
}

static struct syscall_result cmd(unsigned i, uint32_t c, uint64_t a1, uint64_t a2)
{
	return fake_syscall(&procs[i], SYSCALL_COMMAND, DRV, c, a1, a2);
}

/* Process i's upcall: status and sectors; false if none is queued. */
static bool upcall(unsigned i, uint64_t *status, uint64_t *sectors)
{
	struct upcall u;
	if (!upcall_queue_pop(&procs[i].upcalls, &u))
		return false;
	assert_int_equal(u.driver, DRV);
	*status = u.arg[0];
	*sectors = u.arg[1];
	return true;
}

static bool untouched(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xee)
			return false;
	return true;
}

static void test_exists_capacity_and_no_write(void **state)
{
	(void)state;
	assert_int_equal(cmd(0, 0, 0, 0).variant, SYSCALL_SUCCESS);
	struct syscall_result r = cmd(0, 1, 0, 0);
	assert_int_equal(r.variant, SYSCALL_SUCCESS_U64);
	assert_int_equal(r.v[0], DISK_SECTORS);
	/* No write command, whatever its number. */
	for (uint32_t c = 3; c < 8; c++)
		assert_int_equal(cmd(0, c, 0, 1).v[0], ERR_NOSUPPORT);
}

static void test_read_lands_in_the_buffer_from_done(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 100, 2 * HIL_BLOCK_SECTOR);
	assert_int_equal(cmd(0, 2, 5, 2).variant, SYSCALL_SUCCESS);
	/* The device has the driver's buffer, not the process's memory. */
	assert_int_equal(blk.n_out, 1);
	assert_int_equal(blk.out[0].lba, 5);
	assert_int_equal(blk.out[0].sectors, 2);
	assert_true(blk.out[0].buf < regions[0] || blk.out[0].buf >= regions[0] + REGION);
	assert_false(upcall(0, &status, &n));
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, 0);
	assert_int_equal(n, 2);
	assert_memory_equal(data(0) + 100, disk[5], 2 * HIL_BLOCK_SECTOR);
	assert_true(untouched(data(0), 100));
	assert_true(untouched(data(0) + 100 + 2 * HIL_BLOCK_SECTOR, 50));
	assert_int_equal(bd.reads, 1);
}

static void test_bad_requests(void **state)
{
	(void)state;
	assert_int_equal(cmd(0, 2, 0, 1).v[0], ERR_RESERVE); /* no buffer */
	allow(0, 0, HIL_BLOCK_SECTOR);
	assert_int_equal(cmd(0, 2, 0, 2).v[0], ERR_SIZE); /* buffer shorter than the read */
	allow(0, 0, 16 * HIL_BLOCK_SECTOR);
	assert_int_equal(cmd(0, 2, 0, 0).v[0], ERR_SIZE);
	assert_int_equal(cmd(0, 2, 0, BLOCK_DRIVER_MAX_SECTORS + 1).v[0], ERR_SIZE);
	assert_int_equal(cmd(0, 2, DISK_SECTORS - 1, 2).v[0], ERR_INVAL); /* past the end */
	assert_int_equal(cmd(0, 2, DISK_SECTORS, 1).v[0], ERR_INVAL);
	assert_int_equal(cmd(0, 2, UINT64_MAX, 1).v[0], ERR_INVAL); /* no wrap-around */
	assert_int_equal(blk.n_out, 0);
	/* The last sector is fine. */
	assert_int_equal(cmd(0, 2, DISK_SECTORS - 1, 1).variant, SYSCALL_SUCCESS);
	/* One read at a time per process. */
	assert_int_equal(cmd(0, 2, 0, 1).v[0], ERR_BUSY);
	finish(1);
	assert_int_equal(cmd(0, 2, 0, 1).variant, SYSCALL_SUCCESS);
}

static void test_processes_served_oldest_first(void **state)
{
	(void)state;
	uint64_t status, n;
	for (unsigned i = 0; i < NPROC; i++) {
		allow(i, 0, HIL_BLOCK_SECTOR);
		assert_int_equal(cmd(i, 2, 10 + i, 1).variant, SYSCALL_SUCCESS);
	}
	/* a's read is out; a asks again as soon as it is done, and still
	 * comes after b and c. */
	unsigned order[] = { 0, 1, 2, 0 };
	for (unsigned k = 0; k < 4; k++) {
		unsigned i = order[k];
		assert_int_equal(blk.n_out, 1); /* one bounce buffer: one read out */
		assert_int_equal(blk.out[0].lba, 10 + i);
		finish(1);
		assert_true(upcall(i, &status, &n));
		assert_int_equal(status, 0);
		assert_memory_equal(data(i), disk[10 + i], HIL_BLOCK_SECTOR);
		if (k == 0)
			assert_int_equal(cmd(0, 2, 10, 1).variant, SYSCALL_SUCCESS);
	}
	assert_int_equal(blk.n_out, 0);
}

static void test_killed_with_a_read_out_is_never_written(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	allow(1, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 3, 1);
	cmd(1, 2, 4, 1);
	syscall_release(&procs[0]);
	process_stop(&procs[0], PROCESS_KILLED);
	finish(1); /* a's sectors come back after a is gone */
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	assert_false(upcall(0, &status, &n));
	assert_int_equal(bd.dropped, 1);
	/* b, queued behind it, is served. */
	assert_int_equal(blk.out[0].lba, 4);
	finish(1);
	assert_true(upcall(1, &status, &n));
	assert_memory_equal(data(1), disk[4], HIL_BLOCK_SECTOR);
}

/* The danger case: the process restarts in the same slot and region, and
 * shares the same buffer at once, with its old read still out. The old
 * sectors must not land in the new process, and its own read comes next. */
static void test_restarted_does_not_get_the_old_read(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 3, 1);
	syscall_release(&procs[0]);
	assert_null(process_restart(&procs[0]));
	memset(data(0), 0xee, 4 * PROC_PAGE);
	fake_syscall(&procs[0], SYSCALL_SUBSCRIBE, DRV, 0, BASE, 0);
	allow(0, 0, HIL_BLOCK_SECTOR);
	assert_int_equal(cmd(0, 2, 9, 1).variant, SYSCALL_SUCCESS); /* waits: the device is busy */
	finish(1);                                                  /* the old read, LBA 3 */
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	assert_false(upcall(0, &status, &n));
	assert_int_equal(blk.out[0].lba, 9);
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, 0);
	assert_memory_equal(data(0), disk[9], HIL_BLOCK_SECTOR);
}

static void test_killed_while_queued_is_forgotten(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	allow(1, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 3, 1);
	cmd(1, 2, 4, 1);
	syscall_release(&procs[1]);
	process_stop(&procs[1], PROCESS_KILLED);
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(blk.n_out, 0); /* nothing goes out for b */
	assert_true(untouched(data(1), 4 * PROC_PAGE));
}

static void test_buffer_given_back_is_not_written(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 3, 1);
	allow(0, 2 * HIL_BLOCK_SECTOR, HIL_BLOCK_SECTOR); /* another buffer meanwhile */
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, ERR_CANCEL);
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	/* Unshared (allow of nothing): the same. */
	cmd(0, 2, 3, 1);
	allow(0, 0, 0);
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, ERR_CANCEL);
	assert_true(untouched(data(0), 4 * PROC_PAGE));
}

static void test_full_queue_waits_for_room(void **state)
{
	(void)state;
	uint64_t status, n;
	/* The shell's two reads fill the device's queue. */
	static uint8_t shell_buf[2][HIL_BLOCK_SECTOR];
	assert_int_equal(fake_block_read(&blk, 50, shell_buf[0], 1), 0);
	assert_int_equal(fake_block_read(&blk, 51, shell_buf[1], 1), 0);
	allow(0, 0, HIL_BLOCK_SECTOR);
	assert_int_equal(cmd(0, 2, 7, 1).variant, SYSCALL_SUCCESS);
	assert_int_equal(blk.fulls, 1);
	/* The shell's read finishes: its buffer goes to the shell, then
	 * room(): the process's read goes out, and the shell hears room too. */
	finish(1);
	assert_int_equal(next_dones, 1);
	assert_ptr_equal(next_buf, shell_buf[0]);
	assert_int_equal(next_rooms, 1);
	assert_int_equal(blk.n_out, 2);
	assert_int_equal(blk.out[1].lba, 7);
	finish(1); /* the shell's second */
	assert_int_equal(next_dones, 2);
	assert_false(upcall(0, &status, &n));
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, 0);
	assert_memory_equal(data(0), disk[7], HIL_BLOCK_SECTOR);
	assert_int_equal(blk.fulls, 1); /* retried once, from room(), not in a loop */
}

static void test_killed_while_waiting_for_room_is_never_sent(void **state)
{
	(void)state;
	uint64_t status, n;
	blk.full = true;
	allow(0, 0, HIL_BLOCK_SECTOR);
	allow(1, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 3, 1);
	cmd(1, 2, 4, 1);
	assert_int_equal(blk.fulls, 1);
	syscall_release(&procs[0]);
	process_stop(&procs[0], PROCESS_KILLED);
	blk.full = false;
	blk.client->room(blk.client->ctx);
	/* a's read never goes out; b's does. */
	assert_int_equal(blk.n_out, 1);
	assert_int_equal(blk.out[0].lba, 4);
	finish(1);
	assert_true(upcall(1, &status, &n));
	assert_int_equal(status, 0);
	assert_true(untouched(data(0), 4 * PROC_PAGE));
}

static void test_device_error(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	cmd(0, 2, 7, 1);
	finish(0);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, ERR_FAIL);
	assert_int_equal(n, 0);
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	assert_int_equal(bd.errors, 1);
}

/* The device refuses a read the driver checked (it went bad): FAIL in the
 * upcall, and the next process is still served. */
static void test_device_refusing_fails_the_read(void **state)
{
	(void)state;
	uint64_t status, n;
	allow(0, 0, HIL_BLOCK_SECTOR);
	allow(1, 0, HIL_BLOCK_SECTOR);
	blk.full = true;
	cmd(0, 2, 3, 1);
	cmd(1, 2, 4, 1);
	blk.full = false;
	blk.refuse = true;
	blk.client->room(blk.client->ctx); /* a's read, sent again, is refused */
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, ERR_FAIL);
	assert_true(untouched(data(0), 4 * PROC_PAGE));
	assert_true(upcall(1, &status, &n)); /* b's went next, refused too */
	assert_int_equal(status, ERR_FAIL);
	blk.refuse = false;
	assert_int_equal(cmd(0, 2, 5, 1).variant, SYSCALL_SUCCESS); /* a can ask again */
	finish(1);
	assert_true(upcall(0, &status, &n));
	assert_int_equal(status, 0);
	assert_memory_equal(data(0), disk[5], HIL_BLOCK_SECTOR);
}

static void test_no_disk_is_nodevice(void **state)
{
	(void)state;
	syscall_reset_for_test();
	block_driver_init(&bd, NULL, NULL, 2);
	assert_int_equal(cmd(0, 0, 0, 0).v[0], ERR_NODEVICE);
	assert_int_equal(cmd(0, 1, 0, 0).v[0], ERR_NODEVICE);
	assert_int_equal(cmd(0, 2, 0, 1).v[0], ERR_NODEVICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exists_capacity_and_no_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_lands_in_the_buffer_from_done, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes_served_oldest_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_killed_with_a_read_out_is_never_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restarted_does_not_get_the_old_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_killed_while_queued_is_forgotten, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_buffer_given_back_is_not_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_queue_waits_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_while_waiting_for_room_is_never_sent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_refusing_fails_the_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_disk_is_nodevice, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
