/*
 * The fuzz harnesses' side of the host fakes (see fuzz.h).
 *
 * tests/unit/fake_arch.c is linked as it is, so the harnesses see exactly
 * the arch the unit tests see; its arch_halt_forever() and arch_reboot()
 * call cmocka's mock_assert(). The harnesses do not link cmocka: the
 * mock_assert() below is the only cmocka function the fakes may use, and it
 * turns a panic into a report and abort(), which libFuzzer records as a
 * crash with its input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_arch.h"

/* --- the end of the log, for crash reports ------------------------------ */

#define LOG_TAIL_BYTES 4096
static char log_tail[LOG_TAIL_BYTES];
static size_t log_total; /* bytes ever logged; the tail is the last of them */

static void tail_sink(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_tail[log_total++ % LOG_TAIL_BYTES] = s[i];
}

static void print_log_tail(void)
{
	size_t n = log_total < LOG_TAIL_BYTES ? log_total : LOG_TAIL_BYTES;
	size_t start = log_total - n;

	fprintf(stderr, "---- the last %zu bytes of the kernel log:\n", n);
	for (size_t i = 0; i < n; i++)
		fputc(log_tail[(start + i) % LOG_TAIL_BYTES], stderr);
	fprintf(stderr, "---- end of the kernel log\n");
}

static void stderr_sink(const char *s, size_t n)
{
	fwrite(s, 1, n, stderr);
}

void fuzz_reset(void)
{
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	log_add_sink(tail_sink);
	/* FUZZ_LOG=1 build/fuzz/fuzz_NAME INPUT: the whole log, to see what
	 * the kernel made of one input. */
	if (getenv("FUZZ_LOG"))
		log_add_sink(stderr_sink);
	log_set_level(LOG_DEBUG);
	log_total = 0;
	fuzz_free_all();
}

_Noreturn void fuzz_fail(const char *what, const char *file, int line)
{
	print_log_tail();
	fprintf(stderr, "fuzz: check failed: %s at %s:%d\n", what, file, line);
	abort();
}

/* Called by the fakes where a unit test would catch a panic or a reset,
 * or where a fake's own check fails (tests/unit/fake_block.c: the driver
 * wrote to the disk). */
void mock_assert(const int result, const char *const expression, const char *const file,
		 const int line)
{
	if (result)
		return;
	print_log_tail();
	fprintf(stderr,
		"fuzz: %s (%s:%d): the kernel panicked or reset, or a fake's check failed, "
		"on this input\n",
		expression, file, line);
	abort();
}

/* --- exact-size copies --------------------------------------------------- */

#define MAX_COPIES 4096
static void *copies[MAX_COPIES];
static unsigned copy_count;

uint8_t *fuzz_exact_copy(const void *src, size_t n)
{
	if (copy_count == MAX_COPIES)
		return NULL;
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		abort();
	if (n)
		memcpy(p, src, n);
	copies[copy_count++] = p;
	return p;
}

void fuzz_free_all(void)
{
	while (copy_count)
		free(copies[--copy_count]);
}

uint64_t fuzz_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}
