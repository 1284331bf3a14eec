/*
 * kernel/process.c: loading a process from its file (a bad file or one
 * too big for the region is refused with a reason and leaves the slot
 * empty), restarting it from the same file (memory as at the first
 * start, grants and upcalls freed, counters kept), stopping it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/process.h"
#include "fake_elf.h"

#define BASE PROCESS_USER_BASE
#define REGION (16 * PROC_PAGE)

static uint8_t *region;
static uint8_t file[8192];
static size_t file_len;
static struct process proc;

static const uint8_t text[16] = { 0x90, 0x90, 0xc3 };
static const char data[] = "initial";

static int setup(void **state)
{
	(void)state;
	const struct fake_elf_segment seg[] = {
		{ 5, BASE, text, sizeof(text), sizeof(text) },
		{ 6, BASE + 0x1000, data, sizeof(data), 0x800 },
	};
	file_len = fake_elf_build(file, sizeof(file), BASE, seg, 2);
	region = aligned_alloc(PROC_PAGE, REGION);
	memset(region, 0xee, REGION);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

static void test_load(void **state)
{
	(void)state;
	assert_null(process_load(&proc, "hello", file, file_len, region, REGION));
	assert_string_equal(proc.name, "hello");
	assert_int_equal(proc.state, PROCESS_READY);
	assert_int_equal(proc.image.entry, BASE);
	assert_memory_equal(region, text, sizeof(text));
	assert_string_equal((char *)region + 0x1000, "initial");
	assert_int_equal(region[0x17ff], 0);     /* bss */
	assert_int_equal(region[REGION - 1], 0); /* the whole region zeroed */
	assert_int_equal(proc.mem.stack_hi - proc.mem.stack_lo, PROCESS_STACK_SIZE);
	assert_true(process_memory_check(&proc.mem, proc.mem.stack_hi - 8, 8, PROC_WRITE));
}

static void test_long_name_is_cut(void **state)
{
	(void)state;
	char name[PROCESS_NAME_MAX + 8];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_null(process_load(&proc, name, file, file_len, region, REGION));
	assert_int_equal(strlen(proc.name), PROCESS_NAME_MAX - 1);
}

static void test_bad_files_refused(void **state)
{
	(void)state;
	uint8_t bad[8192];

	memcpy(bad, file, file_len);
	bad[0] = 0;
	assert_string_equal(process_load(&proc, "bad", bad, file_len, region, REGION),
			    "not an ELF file");
	assert_int_equal(proc.state, PROCESS_EMPTY);
	assert_string_equal(process_load(&proc, "short", file, 40, region, REGION),
			    "shorter than an ELF header");
	/* The image (2 pages) fits but not with a guard page and the stack. */
	assert_string_equal(process_load(&proc, "big", file, file_len, region, 8 * PROC_PAGE),
			    "image and stack do not fit the process's memory");
	assert_int_equal(proc.state, PROCESS_EMPTY);
	/* A region smaller than the image: the data is outside the window. */
	assert_string_equal(process_load(&proc, "tiny", file, file_len, region, PROC_PAGE),
			    "segment outside the process's address window");
}

static void test_restart_starts_over(void **state)
{
	(void)state;
	uint64_t old;
	struct upcall u = { .driver = 1 };

	assert_null(process_load(&proc, "hello", file, file_len, region, REGION));
	/* The process changes its data, grows its heap, gets grants and upcalls. */
	memcpy(region + 0x1000, "changed", 8);
	assert_true(process_memory_sbrk(&proc.mem, 4096, &old));
	assert_non_null(grant_enter(&proc.grants, &proc.mem, 0, 64));
	for (int i = 0; i < UPCALL_QUEUE_LEN + 2; i++)
		upcall_queue_push(&proc.upcalls, &u);
	proc.syscalls = 9;
	process_stop(&proc, PROCESS_FAULTED);
	assert_int_equal(proc.state, PROCESS_FAULTED);
	assert_int_equal(upcall_queue_count(&proc.upcalls), 0);
	assert_int_equal(proc.mem.kernel_break, BASE + REGION);

	assert_null(process_restart(&proc));
	assert_int_equal(proc.state, PROCESS_READY);
	assert_int_equal(proc.restarts, 1);
	assert_int_equal(proc.syscalls, 9);        /* counters are since boot */
	assert_int_equal(proc.upcalls.dropped, 2); /* and the drops with them */
	assert_string_equal((char *)region + 0x1000, "initial");
	assert_int_equal(proc.mem.app_break, proc.mem.stack_hi);
	/* The grant table is empty again: the grant comes fresh from the top. */
	assert_ptr_equal(grant_enter(&proc.grants, &proc.mem, 0, 64), region + REGION - 64);
	assert_null(process_restart(&proc));
	assert_int_equal(proc.restarts, 2);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(process_state_name(PROCESS_READY), "ready");
	assert_string_equal(process_state_name(PROCESS_YIELDED), "yielded");
	assert_string_equal(process_state_name(PROCESS_EXITED), "exited");
	assert_string_equal(process_state_name(PROCESS_FAULTED), "faulted");
	assert_string_equal(process_state_name(PROCESS_KILLED), "killed");
	assert_string_equal(process_state_name(PROCESS_EMPTY), "empty");
	assert_string_equal(process_state_name((enum process_state)77), "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load),
		T(test_long_name_is_cut),
		T(test_bad_files_refused),
		T(test_restart_starts_over),
		T(test_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
