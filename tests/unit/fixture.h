/*
 * Bytes for the tests of knock's parsers of firmware tables (ACPI, the MP
 * table): fixtures read from tests/data, copies that end exactly at the
 * end of their allocation (ASan then catches a read one byte past a
 * table), fake physical memory to place them in, and little-endian
 * stores for editing them.
 */
#ifndef KNOCK_TEST_FIXTURE_H
#define KNOCK_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

struct blob {
	uint8_t *b;
	size_t n;
};

/* A copy of `n` bytes that ends exactly at the end of its allocation and
 * starts at an odd address. Freed by fixture_free_all(). */
uint8_t *fixture_exact(const void *src, size_t n);

/* The file `dir``name` (tests run from the repository root), as an exact
 * copy; fails the test if it is missing, empty or 128 KiB or more. */
struct blob fixture_load(const char *dir, const char *name);

/* A machine's dump: the manifest `dir``manifest` has a line per file,
 * "<tag> <hex address> <length> <file>" ('#' starts a comment line); each
 * file is loaded, its length checked, and handed to fn(ctx, tag, address,
 * bytes). */
typedef void (*fixture_dump_fn)(void *ctx, const char *tag, uint64_t addr, struct blob b);
void fixture_load_dump(const char *dir, const char *manifest, fixture_dump_fn fn, void *ctx);

/* Frees every copy made since the last call (a test's teardown). */
void fixture_free_all(void);

/* Fake physical memory: fixtures placed at their addresses. Only whole
 * ranges inside one region map: a walker asking for more than a table's
 * bytes gets NULL, never a pointer it could overrun. */
#define FIXTURE_MAX_REGIONS 16
struct fixture_region {
	uint64_t addr;
	const uint8_t *bytes;
	size_t len;
};

struct fixture_memory {
	struct fixture_region r[FIXTURE_MAX_REGIONS];
	unsigned count;
	unsigned maps, refused; /* mappings asked for; refused */
};

void fixture_mem_add(struct fixture_memory *m, uint64_t addr, const uint8_t *bytes, size_t len);

/* The parsers' map callback; ctx is the struct fixture_memory. */
const void *fixture_mem_map(void *ctx, uint64_t phys, size_t len);

void fixture_put16(uint8_t *p, uint16_t v);
void fixture_put32(uint8_t *p, uint32_t v);
void fixture_put64(uint8_t *p, uint64_t v);

#endif
