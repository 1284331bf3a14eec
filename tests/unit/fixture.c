/*
 * Bytes for the firmware-table tests: see fixture.h.
 */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAX_ALLOCS 1024
static void *allocs[MAX_ALLOCS];
static unsigned alloc_count;

uint8_t *fixture_exact(const void *src, size_t n)
{
	assert_true(alloc_count < MAX_ALLOCS);
	uint8_t *block = malloc(n + 1);
	assert_non_null(block);
	allocs[alloc_count++] = block;
	if (n)
		memcpy(block + 1, src, n);
	return block + 1;
}

struct blob fixture_load(const char *dir, const char *name)
{
	char path[256];
	static uint8_t buf[0x20000]; /* an MP-table fixture is the whole F segment */
	snprintf(path, sizeof(path), "%s%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (tests run from the repository root)", path);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(buf));
	return (struct blob){ fixture_exact(buf, n), n };
}

void fixture_load_dump(const char *dir, const char *manifest, fixture_dump_fn fn, void *ctx)
{
	char path[256], line[256];

	snprintf(path, sizeof(path), "%s%s", dir, manifest);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char tag[16], file[64];
		unsigned long long addr;
		size_t len;
		if (line[0] == '#' ||
		    sscanf(line, "%15s %llx %zu %63s", tag, &addr, &len, file) != 4)
			continue;
		struct blob b = fixture_load(dir, file);
		assert_int_equal(b.n, len);
		fn(ctx, tag, addr, b);
	}
	fclose(f);
}

void fixture_free_all(void)
{
	for (unsigned i = 0; i < alloc_count; i++)
		free(allocs[i]);
	alloc_count = 0;
}

void fixture_mem_add(struct fixture_memory *m, uint64_t addr, const uint8_t *bytes, size_t len)
{
	assert_true(m->count < FIXTURE_MAX_REGIONS);
	m->r[m->count++] = (struct fixture_region){ addr, bytes, len };
}

const void *fixture_mem_map(void *ctx, uint64_t phys, size_t len)
{
	struct fixture_memory *m = ctx;
	m->maps++;
	for (unsigned i = 0; i < m->count; i++) {
		const struct fixture_region *r = &m->r[i];
		if (phys >= r->addr && phys - r->addr <= r->len && len <= r->len - (phys - r->addr))
			return r->bytes + (phys - r->addr);
	}
	m->refused++;
	return NULL;
}

void fixture_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void fixture_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void fixture_put64(uint8_t *p, uint64_t v)
{
	fixture_put32(p, (uint32_t)v);
	fixture_put32(p + 4, (uint32_t)(v >> 32));
}
