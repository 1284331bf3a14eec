/*
 * kernel/process_memory.c: the layout of a process's region, the checks
 * of the pointers and lengths a process passes (its own memory only, with
 * the rights asked for, no wrap-around), the break, and grant memory
 * (never the process's, never sharing a page with it, freed at once).
 *
 * The region is a page-aligned host allocation of exactly its size, so
 * ASan reports any kernel pointer the code hands out past its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/process_memory.h"

#define BASE 0x8000000000ull
#define SIZE (16 * PROC_PAGE)
#define TEXT BASE                       /* one page, R+X, 0x100 bytes */
#define RODATA (BASE + PROC_PAGE)       /* R, 0x20 bytes */
#define DATA (BASE + 2 * PROC_PAGE)     /* RW, 0x1800 bytes: ends mid-page */
#define IMAGE_HI (BASE + 4 * PROC_PAGE) /* guard page here */
#define STACK_LO (BASE + 5 * PROC_PAGE)
#define STACK_HI (BASE + 7 * PROC_PAGE) /* two pages of stack */
#define END (BASE + SIZE)

static struct elf_image image(void)
{
	struct elf_image img = {
		.entry = TEXT,
		.nseg = 3,
		.seg = { { TEXT, 0x100, 0, 0x100, ELF_PF_R | ELF_PF_X },
			 { RODATA, 0x20, 0, 0x20, ELF_PF_R },
			 { DATA, 0x1800, 0, 0x10, ELF_PF_R | ELF_PF_W } },
		.lo = BASE,
		.hi = IMAGE_HI,
	};
	return img;
}

struct fixture {
	struct process_memory m;
	uint8_t *region;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct elf_image img = image();

	f->region = aligned_alloc(PROC_PAGE, SIZE);
	memset(f->region, 0xee, SIZE);
	assert_int_equal(process_memory_init(&f->m, BASE, f->region, SIZE, &img, 2 * PROC_PAGE - 8),
			 PROC_MEM_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->region);
	free(f);
	return 0;
}

static struct process_memory *mem(void **state)
{
	return &((struct fixture *)*state)->m;
}

/* ---- layout ------------------------------------------------------------- */

static void test_layout(void **state)
{
	struct fixture *f = *state;
	struct process_memory *m = &f->m;

	assert_int_equal(m->nimage, 3);
	assert_int_equal(m->image_hi, IMAGE_HI);
	assert_int_equal(m->stack_lo, STACK_LO); /* after one guard page */
	assert_int_equal(m->stack_hi, STACK_HI); /* the stack rounded up to pages */
	assert_int_equal(m->app_break, STACK_HI);
	assert_int_equal(m->kernel_break, END);
	/* The region was zeroed. */
	for (size_t i = 0; i < SIZE; i++)
		if (f->region[i] != 0)
			fail_msg("byte %zu not zeroed", i);
}

static void test_layout_refused(void **state)
{
	(void)state;
	struct process_memory m;
	struct elf_image img = image();
	uint8_t *region = aligned_alloc(PROC_PAGE, SIZE);

	assert_int_equal(process_memory_init(&m, BASE + 8, region, SIZE, &img, PROC_PAGE),
			 PROC_MEM_E_ALIGN);
	assert_int_equal(process_memory_init(&m, BASE, region + 8, SIZE, &img, PROC_PAGE),
			 PROC_MEM_E_ALIGN);
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE - 1, &img, PROC_PAGE),
			 PROC_MEM_E_ALIGN);
	assert_int_equal(process_memory_init(&m, UINT64_MAX - PROC_PAGE + 1, region, SIZE, &img,
					     PROC_PAGE),
			 PROC_MEM_E_ALIGN);
	/* An image below the region, or running past it. */
	assert_int_equal(process_memory_init(&m, BASE + PROC_PAGE, region, SIZE, &img, PROC_PAGE),
			 PROC_MEM_E_IMAGE);
	assert_int_equal(process_memory_init(&m, BASE, region, 3 * PROC_PAGE, &img, PROC_PAGE),
			 PROC_MEM_E_IMAGE);
	/* Image (4 pages) + guard (1) + stack: 11 pages fit exactly, 11 and a byte do not. */
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE, &img, 11 * PROC_PAGE),
			 PROC_MEM_OK);
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE, &img, 11 * PROC_PAGE + 1),
			 PROC_MEM_E_FIT);
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE, &img, SIZE_MAX),
			 PROC_MEM_E_FIT);
	assert_int_equal(process_memory_init(&m, BASE, region, SIZE, &img, 0), PROC_MEM_E_FIT);
	free(region);
}

/* ---- pointer and length checks ------------------------------------------ */

static void test_image_rights(void **state)
{
	struct process_memory *m = mem(state);

	assert_true(process_memory_check(m, TEXT, 0x100, PROC_READ));
	assert_true(process_memory_check(m, TEXT, 0x100, PROC_READ | PROC_EXEC));
	assert_false(process_memory_check(m, TEXT, 1, PROC_WRITE));    /* text is not writable */
	assert_false(process_memory_check(m, TEXT, 0x101, PROC_READ)); /* one past the text */
	assert_true(process_memory_check(m, RODATA + 0x1f, 1, PROC_READ));
	assert_false(process_memory_check(m, RODATA, 0x20, PROC_WRITE));
	assert_true(process_memory_check(m, DATA, 0x1800, PROC_READ | PROC_WRITE)); /* with bss */
	assert_false(process_memory_check(m, DATA + 0x17ff, 2, PROC_READ));
	/* Across a gap: the end of the text page is not the process's. */
	assert_false(process_memory_check(m, TEXT + 0xf0, 0x1000, PROC_READ));
}

static void test_stack_heap_and_guard(void **state)
{
	struct process_memory *m = mem(state);
	uint64_t old;

	assert_true(process_memory_check(m, STACK_LO, STACK_HI - STACK_LO, PROC_WRITE));
	assert_false(process_memory_check(m, STACK_LO - 1, 1, PROC_READ)); /* guard page */
	assert_false(process_memory_check(m, IMAGE_HI, 1, PROC_READ));
	assert_false(process_memory_check(m, STACK_HI, 1, PROC_READ)); /* no heap yet */
	assert_true(process_memory_sbrk(m, 100, &old));
	assert_int_equal(old, STACK_HI);
	/* Stack and heap are one range: a buffer may cross between them. */
	assert_true(process_memory_check(m, STACK_HI - 8, 108, PROC_READ | PROC_WRITE));
	assert_false(process_memory_check(m, STACK_HI - 8, 109, PROC_READ));
	assert_false(process_memory_check(m, STACK_HI, 1, PROC_EXEC)); /* never executable */
}

static void test_outside_and_wrapping(void **state)
{
	struct process_memory *m = mem(state);

	assert_false(process_memory_check(m, 0x100000, 16, PROC_READ)); /* the kernel */
	assert_false(process_memory_check(m, 0, 1, PROC_READ));
	assert_false(process_memory_check(m, BASE - 1, 2, PROC_READ));
	assert_false(process_memory_check(m, END, 1, PROC_READ));     /* the next process's */
	assert_false(process_memory_check(m, END - 1, 1, PROC_READ)); /* grant space */
	/* uaddr + len wraps around to a small number. */
	assert_false(process_memory_check(m, DATA, SIZE_MAX, PROC_READ));
	assert_false(process_memory_check(m, UINT64_MAX, 2, PROC_READ));
	assert_false(process_memory_check(m, DATA, (size_t)(UINT64_MAX - DATA + 1 + 4), PROC_READ));
	/* An empty range names no memory: fine anywhere, and no pointer. */
	void *k = (void *)1;
	assert_true(process_memory_translate(m, 0xffff800000000000ull, 0, PROC_WRITE, &k));
	assert_null(k);
}

static void test_translate(void **state)
{
	struct fixture *f = *state;
	void *k = NULL;

	assert_true(process_memory_translate(&f->m, DATA + 0x10, 0x20, PROC_WRITE, &k));
	assert_ptr_equal(k, f->region + 2 * PROC_PAGE + 0x10);
	memset(k, 1, 0x20); /* ASan: inside the region */
	assert_false(process_memory_translate(&f->m, TEXT, 4, PROC_WRITE, &k));
	assert_null(k);
	assert_true(process_memory_translate(&f->m, STACK_HI - 1, 1, PROC_WRITE, &k));
	assert_ptr_equal(k, f->region + 7 * PROC_PAGE - 1);
}

/* process_memory_word()'s inline test of the stack agrees with the full
 * check at every 8-byte place around the region (every byte offset near
 * the stack's edges), and its pointer with translate's: the upcall's frame
 * is built through it. */
static void test_word_agrees_with_the_check(void **state)
{
	struct fixture *f = *state;

	for (uint64_t a = BASE - 64; a < END + 64; a++) {
		bool near_edge = (a >= STACK_LO - 16 && a < STACK_LO + 16) ||
				 (a >= STACK_HI - 16 && a < STACK_HI + 16);
		if (a % 8 && !near_edge)
			continue;
		void *k = NULL;
		bool ok = process_memory_translate(&f->m, a, 8, PROC_WRITE, &k);
		uint64_t *w = process_memory_word(&f->m, a);
		assert_int_equal(ok, w != NULL);
		if (ok)
			assert_ptr_equal(w, k);
	}
}

/* The upcall's stack pointer: below the red zone, RSP + 8 16-aligned, and
 * 0 where there is no room at all. */
static void test_call_sp(void **state)
{
	(void)state;
	for (uint64_t sp = STACK_HI - 40; sp <= STACK_HI; sp++) {
		uint64_t n = process_memory_call_sp(sp, 128);
		assert_true(n + 8 <= sp - 128);
		assert_true(n + 8 > sp - 128 - 16);
		assert_int_equal((n + 8) % 16, 0);
	}
	assert_int_equal(process_memory_call_sp(128 + 63, 128), 0);
	assert_int_equal(process_memory_call_sp(0, 128), 0);
	assert_int_not_equal(process_memory_call_sp(128 + 64, 128), 0);
}

/* ---- the break ---------------------------------------------------------- */

static void test_brk_limits(void **state)
{
	struct process_memory *m = mem(state);
	uint64_t old;

	assert_false(process_memory_brk(m, STACK_HI - 1)); /* into the stack */
	assert_true(process_memory_brk(m, END));           /* all the rest: no grants yet */
	assert_true(process_memory_check(m, END - 1, 1, PROC_WRITE));
	assert_false(process_memory_brk(m, END + 1));
	assert_true(process_memory_brk(m, STACK_HI));
	assert_false(process_memory_check(m, STACK_HI, 1, PROC_READ)); /* shrunk back */
	assert_false(process_memory_sbrk(m, -1, &old));
	assert_int_equal(old, STACK_HI);
	assert_int_equal(m->app_break, STACK_HI); /* a refused move changes nothing */
	assert_false(process_memory_sbrk(m, INT64_MIN, &old));
	assert_false(process_memory_sbrk(m, INT64_MAX, &old));
	assert_true(process_memory_sbrk(m, 4096, &old));
	assert_true(process_memory_sbrk(m, -4096, &old));
	assert_int_equal(old, STACK_HI + 4096);
	assert_int_equal(m->app_break, STACK_HI);
}

/* ---- grants ------------------------------------------------------------- */

static void test_grants_from_the_top_zeroed(void **state)
{
	struct fixture *f = *state;
	struct process_memory *m = &f->m;

	memset(f->region + SIZE - 64, 0x77, 64);
	uint8_t *a = process_memory_grant_alloc(m, 24, 8);
	assert_ptr_equal(a, f->region + SIZE - 24);
	for (int i = 0; i < 24; i++)
		assert_int_equal(a[i], 0);
	uint8_t *b = process_memory_grant_alloc(m, 5, 16);
	assert_ptr_equal(b, f->region + SIZE - 32); /* 24 + 5 below the top, down to 16 */
	assert_int_equal((uintptr_t)b % 16, 0);
	assert_int_equal(m->kernel_break, END - 32);
	/* Grant memory is never the process's, allocated or not. */
	assert_false(process_memory_check(m, END - 32, 32, PROC_READ));
	assert_false(process_memory_check(m, END - PROC_PAGE, 1, PROC_READ));
	assert_false(process_memory_grant_alloc(m, 8, 3));    /* not a power of two */
	assert_false(process_memory_grant_alloc(m, 8, 8192)); /* more than a page */
}

static void test_grants_and_break_never_share_a_page(void **state)
{
	struct process_memory *m = mem(state);

	/* A grant in the last page: the break can no longer reach that page. */
	assert_non_null(process_memory_grant_alloc(m, 16, 8));
	assert_false(process_memory_brk(m, END - PROC_PAGE + 1));
	assert_true(process_memory_brk(m, END - PROC_PAGE));
	/* And with the break at that page, no grant fits below the one there. */
	assert_null(process_memory_grant_alloc(m, PROC_PAGE - 16 + 1, 1));
	assert_non_null(process_memory_grant_alloc(m, PROC_PAGE - 16, 1));
	assert_null(process_memory_grant_alloc(m, 1, 1));
	/* A break in the middle of a page keeps grants out of all of it. */
	assert_true(process_memory_brk(m, STACK_HI + 1));
	process_memory_grants_free(m);
	assert_int_equal(m->kernel_break, END);
	size_t room = (size_t)(END - (STACK_HI + PROC_PAGE));
	assert_null(process_memory_grant_alloc(m, room + 1, 1));
	assert_non_null(process_memory_grant_alloc(m, room, 1));
	assert_int_equal(m->kernel_break, STACK_HI + PROC_PAGE);
	assert_null(process_memory_grant_alloc(m, SIZE_MAX, 1));
}

static void test_grants_free_returns_memory(void **state)
{
	struct process_memory *m = mem(state);

	while (process_memory_grant_alloc(m, 512, 8))
		;
	assert_false(process_memory_brk(m, END));
	process_memory_grants_free(m);
	assert_true(process_memory_brk(m, END));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test(test_layout_refused),
		cmocka_unit_test_setup_teardown(test_image_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_heap_and_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_and_wrapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_agrees_with_the_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_sp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grants_from_the_top_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grants_and_break_never_share_a_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_grants_free_returns_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
