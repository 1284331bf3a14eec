/*
 * kernel/phys_alloc.c: the page allocator built from a memory map shaped
 * like QEMU's with -m 5G (RAM above 4 GiB too), minus what is in use;
 * aligned, limited allocations at the addresses first fit gives; a random
 * run of allocations that never overlap each other or anything reserved,
 * whose frees restore the exact free list; and bad requests refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/phys_alloc.h"
#include "fake_log.h"

#define KIB 1024ull
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

static struct phys_alloc pa;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	phys_alloc_init(&pa);
	return 0;
}

struct range {
	uint64_t start, end;
};

/* QEMU pc, -m 5G: what SeaBIOS reports (e820), as GRUB passes it. */
static const struct range available[] = {
	{ 0, 0x9fc00 },
	{ 0x100000, 0xbffe0000 },
	{ 0x100000000ull, 0x180000000ull },
};
/* In use at boot: the first MiB, the kernel, the boot information, a module. */
static const struct range in_use[] = {
	{ 0, MIB },
	{ 0x100000, 0x1a2345 },
	{ 0x1a3000, 0x1a3500 },
	{ 0x200000, 0x210123 },
};

static void build_qemu_5g(void)
{
	for (unsigned i = 0; i < sizeof(available) / sizeof(available[0]); i++)
		phys_alloc_add(&pa, available[i].start, available[i].end - available[i].start);
	for (unsigned i = 0; i < sizeof(in_use) / sizeof(in_use[0]); i++)
		phys_alloc_reserve(&pa, in_use[i].start, in_use[i].end - in_use[i].start, "test");
}

static void expect_extents(const struct range *want, unsigned n)
{
	assert_int_equal(pa.count, n);
	uint64_t total = 0;
	for (unsigned i = 0; i < n; i++) {
		if (pa.free[i].start != want[i].start || pa.free[i].end != want[i].end)
			fail_msg("extent %u is 0x%llx-0x%llx, expected 0x%llx-0x%llx", i,
				 (unsigned long long)pa.free[i].start,
				 (unsigned long long)pa.free[i].end,
				 (unsigned long long)want[i].start,
				 (unsigned long long)want[i].end);
		total += want[i].end - want[i].start;
	}
	assert_int_equal(pa.free_bytes, total);
}

static void test_built_from_memory_map(void **state)
{
	(void)state;
	build_qemu_5g();
	/* The kernel ends at 0x1a2345: its last page, 0x1a2000, is in use,
	 * and so is the boot information's page 0x1a3000. */
	static const struct range want[] = {
		{ 0x1a4000, 0x200000 },
		{ 0x211000, 0xbffe0000 },
		{ 0x100000000ull, 0x180000000ull },
	};
	expect_extents(want, 3);
	assert_int_equal(pa.lost_bytes, 0);
	assert_int_equal(phys_alloc_largest(&pa), 0xbffe0000 - 0x211000);
}

static void test_aligned_and_limited(void **state)
{
	(void)state;
	uint64_t at;
	build_qemu_5g();

	/* 64 KiB aligned to 64 KiB: the first such address that is free. */
	assert_true(phys_alloc_contiguous(&pa, 64 * KIB, 64 * KIB, 4 * GIB, &at));
	assert_int_equal(at, 0x1b0000);
	/* One page: first fit, the lowest free page. */
	assert_true(phys_alloc_contiguous(&pa, 1, 0, 4 * GIB, &at));
	assert_int_equal(at, 0x1a4000);
	/* 2 MiB aligned to 2 MiB: the 1a4000-200000 extent is too small. */
	assert_true(phys_alloc_contiguous(&pa, 2 * MIB, 2 * MIB, 4 * GIB, &at));
	assert_int_equal(at, 0x400000);
	/* More than any extent below 4 GiB holds: only above, if allowed. */
	assert_false(phys_alloc_contiguous(&pa, 3 * GIB - 1, 0, 4 * GIB, &at));
	assert_false(phys_alloc_contiguous(&pa, 3 * GIB - 1, 0, UINT64_MAX, &at));
	assert_true(phys_alloc_contiguous(&pa, 2 * GIB, 0, UINT64_MAX, &at));
	assert_int_equal(at, 0x600000); /* first fit: the lowest that holds it */
	assert_true(phys_alloc_contiguous(&pa, 2 * GIB, 0, UINT64_MAX, &at));
	assert_int_equal(at, 0x100000000ull); /* the rest below 4 GiB is too small */
	/* The limit is the buffer's end, not its start. */
	phys_free(&pa, at, 2 * GIB);
	assert_false(phys_alloc_contiguous(&pa, 2 * GIB, 0, 0x17fffffffull, &at));
	/* A lower bound: the first fit at or above it. */
	uint64_t low;
	assert_true(phys_alloc_within(&pa, 64 * KIB, 4096, 0x100000000ull + 1, UINT64_MAX, &low));
	assert_int_equal(low, 0x100001000ull);
	assert_false(phys_alloc_within(&pa, 4 * GIB, 4096, 0x100000000ull, UINT64_MAX, &at));
	phys_free(&pa, low, 64 * KIB);
	assert_int_equal(pa.refused, 0);
	assert_int_equal(strlen(fake_log), 0);
}

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 < e2 && s2 < e1;
}

#define RUNS 100

static void test_random_allocations_never_overlap(void **state)
{
	(void)state;
	struct range got[RUNS];
	unsigned n = 0;
	build_qemu_5g();
	struct phys_alloc initial = pa;
	uint64_t allocated = 0;

	srand(15);
	for (unsigned i = 0; i < RUNS; i++) {
		uint64_t len = (uint64_t)(rand() % (4 * 1024 * 1024)) + 1;
		uint64_t align = 1ull << (rand() % 17);
		uint64_t limit = rand() % 4 ? 4 * GIB : UINT64_MAX;
		uint64_t at;
		if (!phys_alloc_contiguous(&pa, len, align, limit, &at))
			continue;
		uint64_t end = at + ((len + 4095) & ~4095ull);
		assert_int_equal(at % (align < 4096 ? 4096 : align), 0);
		assert_true(end <= limit);
		bool inside = false;
		for (unsigned k = 0; k < sizeof(available) / sizeof(available[0]); k++)
			inside |= at >= available[k].start && end <= available[k].end;
		assert_true(inside);
		for (unsigned k = 0; k < sizeof(in_use) / sizeof(in_use[0]); k++)
			assert_false(overlaps(at, end, in_use[k].start & ~4095ull, in_use[k].end));
		for (unsigned k = 0; k < n; k++)
			assert_false(overlaps(at, end, got[k].start, got[k].end));
		got[n++] = (struct range){ at, end };
		allocated += end - at;
		assert_int_equal(pa.free_bytes + allocated, initial.free_bytes);
	}
	assert_true(n > RUNS / 2);
	/* Free in a shuffled order: the list comes back exactly. */
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)rand() % i;
		struct range t = got[i - 1];
		got[i - 1] = got[j];
		got[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		phys_free(&pa, got[i].start, got[i].end - got[i].start);
	assert_int_equal(pa.count, initial.count);
	assert_memory_equal(pa.free, initial.free, initial.count * sizeof(pa.free[0]));
	assert_int_equal(pa.free_bytes, initial.free_bytes);
	assert_int_equal(pa.lost_bytes, 0);
	assert_int_equal(strlen(fake_log), 0);
}

static void test_bad_requests(void **state)
{
	(void)state;
	uint64_t at;
	build_qemu_5g();
	struct phys_alloc initial = pa;

	assert_false(phys_alloc_contiguous(&pa, 0, 0, UINT64_MAX, &at));
	assert_false(phys_alloc_contiguous(&pa, 4096, 3 * 4096, UINT64_MAX, &at));
	assert_false(phys_alloc_contiguous(&pa, UINT64_MAX, 0, UINT64_MAX, &at));
	assert_true(phys_alloc_contiguous(&pa, 8192, 0, UINT64_MAX, &at));
	phys_free(&pa, at, 8192);
	phys_free(&pa, at, 8192);                /* double free */
	phys_free(&pa, at + 4096, 8192);         /* overlapping free memory */
	phys_free(&pa, at + 1, 4096);            /* not page aligned */
	phys_free(&pa, UINT64_MAX - 4095, 8192); /* wraps */
	assert_int_equal(pa.refused, 7);
	assert_memory_equal(&pa.free, &initial.free, sizeof(pa.free));
	assert_int_equal(pa.free_bytes, initial.free_bytes);
	unsigned warnings = 0;
	for (const char *p = fake_log; (p = strstr(p, "warning: phys: ")) != NULL; p++)
		warnings++;
	assert_int_equal(warnings, 7);
	assert_non_null(strstr(fake_log, "part of it is free already (a double free?)"));
}

static void test_odd_memory_maps(void **state)
{
	(void)state;
	/* Unaligned edges shrink to whole pages; less than a page is
	 * nothing; overlapping and touching regions merge; a region running
	 * to the end of the address space does not wrap. */
	phys_alloc_add(&pa, 0x1234, 0x3000);             /* 0x2000-0x4000 */
	phys_alloc_add(&pa, 0x10000, 0xfff);             /* nothing */
	phys_alloc_add(&pa, 0x3000, 0x2000);             /* overlaps: 0x2000-0x5000 */
	phys_alloc_add(&pa, 0x5000, 0x1000);             /* touches: 0x2000-0x6000 */
	phys_alloc_add(&pa, 0x100000000ull, UINT64_MAX); /* to the top */
	static const struct range want[] = {
		{ 0x2000, 0x6000 },
		{ 0x100000000ull, UINT64_MAX & ~4095ull },
	};
	expect_extents(want, 2);
	/* Reserving across two extents and nothing at all. */
	phys_alloc_reserve(&pa, 0x5fff, 0x100000000ull - 0x5fff + 1, "both");
	phys_alloc_reserve(&pa, 0x50000, 0, "nothing");
	static const struct range want2[] = {
		{ 0x2000, 0x5000 },
		{ 0x100001000ull, UINT64_MAX & ~4095ull },
	};
	expect_extents(want2, 2);
}

static void test_full_extent_list(void **state)
{
	(void)state;
	/* Every other page: six more extents than the list holds. */
	for (unsigned i = 0; i < PHYS_MAX_EXTENTS + 6; i++)
		phys_alloc_add(&pa, (2 * i + 1) * 4096ull, 4096);
	assert_int_equal(pa.count, PHYS_MAX_EXTENTS);
	assert_int_equal(pa.lost_bytes, 6 * 4096);
	assert_non_null(strstr(fake_log, "phys: more than 128 free extents"));
	/* A reservation that would split the last big extent drops its
	 * right part instead of handing out the reserved middle. */
	phys_alloc_init(&pa);
	for (unsigned i = 0; i < PHYS_MAX_EXTENTS; i++)
		phys_alloc_add(&pa, (4 * i + 1) * 4096ull, 3 * 4096);
	fake_log_clear();
	phys_alloc_reserve(&pa, 2 * 4096, 4096, "the middle");
	assert_non_null(strstr(fake_log, "phys: no room to split around the middle"));
	assert_int_equal(pa.free[0].start, 4096);
	assert_int_equal(pa.free[0].end, 2 * 4096);
	assert_int_equal(pa.free[1].start, 5 * 4096);
	assert_int_equal(pa.free_bytes, (PHYS_MAX_EXTENTS - 1) * 3 * 4096ull + 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_built_from_memory_map, setup),
		cmocka_unit_test_setup(test_aligned_and_limited, setup),
		cmocka_unit_test_setup(test_random_allocations_never_overlap, setup),
		cmocka_unit_test_setup(test_bad_requests, setup),
		cmocka_unit_test_setup(test_odd_memory_maps, setup),
		cmocka_unit_test_setup(test_full_extent_list, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
