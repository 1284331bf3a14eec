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

#endif
