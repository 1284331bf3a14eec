/*
 * The few libc string functions the kernel uses. GCC may also emit calls to
 * memcpy/memset/memmove/memcmp for struct copies, so the kernel must define
 * them under these names (kernel/string.c). Host builds use libc's.
 */
#ifndef KNOCK_KERNEL_STRING_H
#define KNOCK_KERNEL_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/*
 * The kernel is built -ffreestanding, which implies -fno-builtin: GCC then
 * calls memcpy for a 6-byte copy and memset to clear a small struct, out of
 * line, on every keystroke. Through these macros it knows what the calls
 * mean again and expands the small, fixed-size ones inline (a few moves);
 * the rest still call kernel/string.c, which defines the functions with
 * their names in parentheses so that the macros leave them alone. Only in
 * the freestanding kernel: host builds use libc, whose own declarations
 * the macros would rewrite.
 */
#if !__STDC_HOSTED__
#define memcpy(dst, src, n) __builtin_memcpy((dst), (src), (n))
#define memmove(dst, src, n) __builtin_memmove((dst), (src), (n))
#define memset(dst, c, n) __builtin_memset((dst), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#define strlen(s) __builtin_strlen(s)
#endif

#endif
