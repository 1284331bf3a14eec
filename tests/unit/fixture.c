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

void fixture_free_all(void)
{
	for (unsigned i = 0; i < alloc_count; i++)
		free(allocs[i]);
	alloc_count = 0;
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
