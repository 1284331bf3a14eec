/*
 * Per-process grants (see grant.h). The memory itself comes from the top
 * of the process's region (process_memory_grant_alloc), so releasing every
 * grant at once is resetting that region's kernel break.
 */
#include <stddef.h>
#include <stdint.h>

#include "grant.h"
#include "panic.h"
#include "string.h"

/* Enough for any C struct a capsule keeps. */
#define GRANT_ALIGN 16

void grant_table_init(struct grant_table *t)
{
	memset(t, 0, sizeof(*t));
}

void *grant_enter(struct grant_table *t, struct process_memory *m, unsigned id, size_t size)
{
	if (id >= GRANT_MAX)
		panic("grant: id %u out of range (GRANT_MAX %u)", id, (unsigned)GRANT_MAX);
	/* panic() does not return: id < GRANT_MAX from here on. */
	// cppcheck-suppress arrayIndexOutOfBoundsCond
	if (t->slot[id]) {
		if (t->size[id] != size)
			panic("grant: id %u entered with %lu bytes, allocated with %lu", id,
			      (unsigned long)size, (unsigned long)t->size[id]);
		return t->slot[id];
	}
	void *p = process_memory_grant_alloc(m, size ? size : 1, GRANT_ALIGN);
	if (!p) {
		t->refused++;
		return NULL;
	}
	t->slot[id] = p;
	t->size[id] = size;
	return p;
}

void grant_table_release(struct grant_table *t, struct process_memory *m)
{
	uint64_t refused = t->refused;

	grant_table_init(t);
	t->refused = refused; /* a count since boot, for ps */
	process_memory_grants_free(m);
}
