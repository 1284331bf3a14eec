/* The physical page allocator (phys_alloc.h): a sorted list of free extents. */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/log.h"
#include "kernel/phys_alloc.h"
#include "kernel/string.h"

static uint64_t page_down(uint64_t x)
{
	return x & ~(uint64_t)(PHYS_PAGE - 1);
}

/* Round up, saturating at the last page instead of wrapping to 0. */
static uint64_t page_up(uint64_t x)
{
	uint64_t r = page_down(x);
	if (r == x)
		return x;
	return r + PHYS_PAGE < r ? page_down(UINT64_MAX) : r + PHYS_PAGE;
}

/* start + len, saturating: a memory map's last region may run to 2^64. */
static uint64_t end_of(uint64_t start, uint64_t len)
{
	return start + len < start ? UINT64_MAX : start + len;
}

void phys_alloc_init(struct phys_alloc *a)
{
	memset(a, 0, sizeof(*a));
}

static void remove_at(struct phys_alloc *a, unsigned i)
{
	memmove(&a->free[i], &a->free[i + 1], (a->count - i - 1) * sizeof(a->free[0]));
	a->count--;
}

/* Insert [start, end) (page aligned, non-empty) at its sorted place,
 * merging with every extent it overlaps or touches. */
static void insert(struct phys_alloc *a, uint64_t start, uint64_t end)
{
	unsigned i = 0;

	while (i < a->count && a->free[i].end < start)
		i++;
	/* free[i] is the first extent that could touch [start, end). */
	while (i < a->count && a->free[i].start <= end) {
		if (a->free[i].start < start)
			start = a->free[i].start;
		if (a->free[i].end > end)
			end = a->free[i].end;
		a->free_bytes -= a->free[i].end - a->free[i].start;
		remove_at(a, i);
	}
	if (a->count == PHYS_MAX_EXTENTS) {
		a->lost_bytes += end - start;
		log_warn("phys: more than %u free extents; %llu KiB at 0x%llx not used",
			 PHYS_MAX_EXTENTS, (unsigned long long)((end - start) / 1024),
			 (unsigned long long)start);
		return;
	}
	memmove(&a->free[i + 1], &a->free[i], (a->count - i) * sizeof(a->free[0]));
	a->free[i] = (struct phys_extent){ start, end };
	a->count++;
	a->free_bytes += end - start;
}

void phys_alloc_add(struct phys_alloc *a, uint64_t start, uint64_t len)
{
	uint64_t s = page_up(start), e = page_down(end_of(start, len));
	if (s < e)
		insert(a, s, e);
}

/* Cut [s, e) out of extent i, which overlaps it. Returns the index to look
 * at next. */
static unsigned cut(struct phys_alloc *a, unsigned i, uint64_t s, uint64_t e, const char *what)
{
	struct phys_extent x = a->free[i];
	bool left = x.start<s, right = x.end> e;

	a->free_bytes -= (e < x.end ? e : x.end) - (s > x.start ? s : x.start);
	if (left && right) {
		if (a->count == PHYS_MAX_EXTENTS) {
			/* No slot for the right part: drop it rather than
			 * hand out the reserved middle. */
			a->lost_bytes += x.end - e;
			a->free_bytes -= x.end - e;
			log_warn("phys: no room to split around %s; %llu KiB at 0x%llx not used",
				 what, (unsigned long long)((x.end - e) / 1024),
				 (unsigned long long)e);
			a->free[i].end = s;
			return i + 1;
		}
		memmove(&a->free[i + 2], &a->free[i + 1], (a->count - i - 1) * sizeof(a->free[0]));
		a->count++;
		a->free[i].end = s;
		a->free[i + 1] = (struct phys_extent){ e, x.end };
		return i + 2;
	}
	if (left) {
		a->free[i].end = s;
		return i + 1;
	}
	if (right) {
		a->free[i].start = e;
		return i + 1;
	}
	remove_at(a, i);
	return i;
}

void phys_alloc_reserve(struct phys_alloc *a, uint64_t start, uint64_t len, const char *what)
{
	uint64_t s = page_down(start), e = page_up(end_of(start, len));
	unsigned i = 0;

	if (s >= e)
		return;
	while (i < a->count && a->free[i].start < e) {
		if (a->free[i].end <= s)
			i++;
		else
			i = cut(a, i, s, e, what);
	}
}

bool phys_alloc_contiguous(struct phys_alloc *a, uint64_t len, uint64_t align, uint64_t limit,
			   uint64_t *out)
{
	return phys_alloc_within(a, len, align, 0, limit, out);
}

bool phys_alloc_within(struct phys_alloc *a, uint64_t len, uint64_t align, uint64_t min,
		       uint64_t limit, uint64_t *out)
{
	if (align < PHYS_PAGE)
		align = PHYS_PAGE;
	if (len == 0 || (align & (align - 1)) || page_up(len) < len) {
		a->refused++;
		log_warn("phys: cannot allocate %llu bytes aligned to %llu",
			 (unsigned long long)len, (unsigned long long)align);
		return false;
	}
	len = page_up(len);
	for (unsigned i = 0; i < a->count; i++) {
		const struct phys_extent *x = &a->free[i];
		uint64_t from = x->start > min ? x->start : min;
		uint64_t at = (from + align - 1) & ~(align - 1);
		if (at < from)
			break; /* wrapped: nothing aligned is left up there */
		if (at >= x->end || x->end - at < len || at + len > limit)
			continue;
		if (at > x->start && x->end - at > len && a->count == PHYS_MAX_EXTENTS) {
			/* Taking the middle would split the extent and the
			 * list is full: take its aligned top end instead, or
			 * try the next extent. Never lose memory to allocate. */
			uint64_t top = ((x->end < limit ? x->end : limit) - len) & ~(align - 1);
			if (top < x->start || top + len != x->end)
				continue;
			at = top;
		}
		cut(a, i, at, at + len, "an allocation");
		*out = at;
		return true;
	}
	return false;
}

void phys_free(struct phys_alloc *a, uint64_t start, uint64_t len)
{
	uint64_t e = end_of(start, page_up(len));

	if (start % PHYS_PAGE || len == 0 || e == UINT64_MAX) {
		a->refused++;
		log_warn(
			"phys: free of %llu bytes at 0x%llx: not a page-aligned allocation; ignored",
			(unsigned long long)len, (unsigned long long)start);
		return;
	}
	for (unsigned i = 0; i < a->count; i++) {
		if (a->free[i].start < e && start < a->free[i].end) {
			a->refused++;
			log_warn(
				"phys: free of 0x%llx-0x%llx: part of it is free already (a double free?); ignored",
				(unsigned long long)start, (unsigned long long)e);
			return;
		}
	}
	insert(a, start, e);
}

uint64_t phys_alloc_largest(const struct phys_alloc *a)
{
	uint64_t best = 0;
	for (unsigned i = 0; i < a->count; i++)
		if (a->free[i].end - a->free[i].start > best)
			best = a->free[i].end - a->free[i].start;
	return best;
}
