/*
 * What every libFuzzer harness in tests/fuzz shares (tests/fuzz/fuzz_fakes.c).
 *
 * The harnesses link the same portable sources and host fakes as the unit
 * tests (tests/unit/unit.mk), but libFuzzer's main instead of cmocka. A
 * panic reaches the fakes' mock_assert(), which here prints the panic and
 * the end of the log and aborts: a panic on outside input is a bug, so
 * libFuzzer must see it as a crash and keep the input.
 */
#ifndef KNOCK_TEST_FUZZ_H
#define KNOCK_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Start an input from scratch: the loop's slots, the fake CPU, and a log
 * that goes (at debug level, so every message is formatted) to a buffer
 * the crash report prints (and, with FUZZ_LOG set, to stderr). */
void fuzz_reset(void);

/* Like KASSERT for a harness's own checks of what the code promises: on
 * failure print the message and the end of the log, then abort. */
#define FUZZ_CHECK(cond)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(#cond, __FILE__, __LINE__); \
	} while (0)

_Noreturn void fuzz_fail(const char *what, const char *file, int line);

/* A copy of `n` bytes in an allocation of exactly that size (one byte for
 * n == 0), so ASan reports a read one byte past the input. Freed by
 * fuzz_free_all(). Returns NULL when the harness made too many. */
uint8_t *fuzz_exact_copy(const void *src, size_t n);
void fuzz_free_all(void);

/* Little-endian reads of the input, for harnesses that take numbers from it. */
uint64_t fuzz_le(const uint8_t *p, size_t n);

#endif
