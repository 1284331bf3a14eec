/*
 * A small printf-style formatter with the C99 snprintf contract: it writes
 * at most n-1 characters plus a NUL (when n > 0) and returns the length the
 * whole output would have had.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z
 * j t, flags '-' '0' '+' ' ' '#', field width and precision (also as '*').
 * Unknown conversions are printed literally, never skipped.
 */
#ifndef KNOCK_KERNEL_FMT_H
#define KNOCK_KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
