/*
 * kernel/grant.c: a capsule's grant is allocated zeroed in the process's
 * own region on first entry and is the same memory afterwards; grants of
 * different capsules do not overlap; a full region refuses (counted), a
 * release frees everything for the next start, and misuse by a capsule
 * (wrong id, another size) panics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/grant.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "fake_arch.h"
#include "fake_log.h"

#define BASE 0x8000000000ull
#define SIZE (8 * PROC_PAGE)

static struct process_memory m;
static struct grant_table t;
static uint8_t *region;

static int setup(void **state)
{
	(void)state;
	struct elf_image img = { .entry = BASE,
				 .nseg = 1,
				 .seg = { { BASE, 0x100, 0, 0x100, ELF_PF_R | ELF_PF_X } },
				 .lo = BASE,
				 .hi = BASE + PROC_PAGE };

	fake_arch_reset();
	loop_reset_for_test();
	fake_log_capture();
	region = aligned_alloc(PROC_PAGE, SIZE);
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE, &img, PROC_PAGE), PROC_MEM_OK);
	grant_table_init(&t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(region);
	return 0;
}

static int inside_region(const void *p, size_t n)
{
	const uint8_t *b = p;
	return b >= region && b + n <= region + SIZE;
}

static void test_first_entry_allocates_zeroed_then_same(void **state)
{
	(void)state;
	memset(region + SIZE - PROC_PAGE, 0xab, PROC_PAGE);
	uint8_t *a = grant_enter(&t, &m, 2, 40);
	assert_non_null(a);
	assert_true(inside_region(a, 40));
	assert_int_equal((uintptr_t)a % 16, 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(a[i], 0);
	a[0] = 7;
	assert_ptr_equal(grant_enter(&t, &m, 2, 40), a);
	assert_int_equal(a[0], 7); /* not zeroed again */
	/* The grant is not the process's memory. */
	assert_false(process_memory_check(&m, BASE + (uint64_t)(a - region), 1, PROC_READ));
}

static void test_grants_do_not_overlap(void **state)
{
	(void)state;
	uint8_t *p[GRANT_MAX];
	for (unsigned id = 0; id < GRANT_MAX; id++) {
		p[id] = grant_enter(&t, &m, id, 24 + id);
		assert_non_null(p[id]);
		memset(p[id], (int)id + 1, 24 + id);
	}
	for (unsigned id = 0; id < GRANT_MAX; id++)
		for (unsigned i = 0; i < 24 + id; i++)
			assert_int_equal(p[id][i], id + 1);
}

static void test_full_region_refuses_and_counts(void **state)
{
	(void)state;
	uint64_t old;

	/* The process takes all but the last page with its heap. */
	assert_true(
		process_memory_sbrk(&m, (int64_t)(m.kernel_break - m.app_break - PROC_PAGE), &old));
	assert_null(grant_enter(&t, &m, 0, PROC_PAGE + 1));
	assert_int_equal(t.refused, 1);
	assert_non_null(grant_enter(&t, &m, 1, 100));
	/* A refused id can be entered later with room. */
	assert_null(grant_enter(&t, &m, 0, PROC_PAGE));
	assert_int_equal(t.refused, 2);
}

static void test_release_frees_for_the_next_start(void **state)
{
	(void)state;
	void *a = grant_enter(&t, &m, 0, 64);
	assert_non_null(a);
	grant_table_release(&t, &m);
	assert_int_equal(m.kernel_break, BASE + SIZE);
	memset(a, 0x5a, 64);
	/* Entered again: zeroed, fresh. */
	uint8_t *b = grant_enter(&t, &m, 0, 64);
	assert_ptr_equal(b, a);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[63], 0);
}

static void test_capsule_misuse_panics(void **state)
{
	(void)state;
	expect_assert_failure(grant_enter(&t, &m, GRANT_MAX, 8));
	assert_non_null(strstr(fake_log, "grant: id 8 out of range"));
	loop_reset_for_test();
	assert_non_null(grant_enter(&t, &m, 3, 8));
	expect_assert_failure(grant_enter(&t, &m, 3, 16));
	assert_non_null(strstr(fake_log, "entered with 16 bytes, allocated with 8"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_entry_allocates_zeroed_then_same, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_grants_do_not_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_region_refuses_and_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_release_frees_for_the_next_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_capsule_misuse_panics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
