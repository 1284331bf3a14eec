/*
 * The libc string functions the kernel needs (see string.h). Not built
 * for the host tests, which use libc's.
 *
 * GCC turns a byte loop that looks like memset/memcpy into a call to
 * memset/memcpy ("loop distribution"), which here would be a call to
 * itself: the attribute switches that off for these functions, whatever
 * the optimisation level. The names are in parentheses because string.h
 * makes them macros for GCC's builtins in the kernel.
 */
#include <stddef.h>
#include <stdint.h>

#include "string.h"

#define NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))

/*
 * memset and memcpy go a word at a time: capsules clear and copy small
 * structs on every event (a keystroke clears three), and the byte loop
 * cost four instructions a byte on the keystroke path that `make bench`
 * measures. The word type may alias anything and sit at any address, so
 * the compiler emits whatever access the target allows there.
 */
typedef uint64_t __attribute__((may_alias, aligned(1))) any_word;

NO_LIBCALL_LOOPS void *(memcpy)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= sizeof(any_word); n -= sizeof(any_word)) {
		*(any_word *)d = *(const any_word *)s;
		d += sizeof(any_word);
		s += sizeof(any_word);
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL_LOOPS void *(memmove)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Copy backwards when the destination overlaps the source's tail. */
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

NO_LIBCALL_LOOPS void *(memset)(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	any_word word = (unsigned char)c * (any_word)0x0101010101010101ull;

	for (; n >= sizeof(any_word); n -= sizeof(any_word)) {
		*(any_word *)d = word;
		d += sizeof(any_word);
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

NO_LIBCALL_LOOPS size_t(strlen)(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}
