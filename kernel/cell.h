/*
 * Cells: how capsules share state that the loop owns.
 *
 * - opt_cell: an optional value (set, clear, get-if-set).
 * - take_cell: holds a pointer until someone takes it; take empties the
 *   cell, so taking twice yields NULL instead of two owners of one buffer.
 * - map_cell: runs a function on the contents if present, without handing
 *   out the pointer.
 *
 * Every operation asserts that it runs in loop context (not inside an
 * exception handler); the check is kernel_assert_loop_context().
 */
#ifndef KNOCK_KERNEL_CELL_H
#define KNOCK_KERNEL_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void kernel_assert_loop_context(const char *what);

struct opt_cell {
	bool is_set;
	uintptr_t value;
};

static inline void opt_cell_set(struct opt_cell *c, uintptr_t v)
{
	kernel_assert_loop_context("opt_cell_set");
	c->value = v;
	c->is_set = true;
}

static inline void opt_cell_clear(struct opt_cell *c)
{
	kernel_assert_loop_context("opt_cell_clear");
	c->is_set = false;
	c->value = 0;
}

/* Returns true and stores the value in *out if the cell is set. */
static inline bool opt_cell_get(const struct opt_cell *c, uintptr_t *out)
{
	kernel_assert_loop_context("opt_cell_get");
	if (c->is_set && out)
		*out = c->value;
	return c->is_set;
}

struct take_cell {
	void *ptr;
};

/* Returns the contents and leaves the cell empty (NULL if it was empty). */
static inline void *take_cell_take(struct take_cell *c)
{
	kernel_assert_loop_context("take_cell_take");
	void *p = c->ptr;
	c->ptr = NULL;
	return p;
}

/* Puts `p` in the cell and returns what was there before (NULL if empty),
 * so a caller that overwrites a full cell still gets the old owner back. */
static inline void *take_cell_replace(struct take_cell *c, void *p)
{
	kernel_assert_loop_context("take_cell_replace");
	void *old = c->ptr;
	c->ptr = p;
	return old;
}

static inline bool take_cell_is_some(const struct take_cell *c)
{
	kernel_assert_loop_context("take_cell_is_some");
	return c->ptr != NULL;
}

struct map_cell {
	void *ptr;
};

/* Calls fn(contents, arg) if the cell holds something; returns whether it did. */
static inline bool map_cell_map(struct map_cell *c, void (*fn)(void *contents, void *arg),
				void *arg)
{
	kernel_assert_loop_context("map_cell_map");
	if (!c->ptr)
		return false;
	fn(c->ptr, arg);
	return true;
}

static inline void map_cell_put(struct map_cell *c, void *p)
{
	kernel_assert_loop_context("map_cell_put");
	c->ptr = p;
}

#endif
