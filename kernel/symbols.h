/*
 * The kernel's own symbol table, embedded at link time so that a backtrace
 * names functions. tools/gen_symbols.py writes it from `nm` of a first link;
 * the second link places it after .text, so no function moves.
 */
#ifndef KNOCK_KERNEL_SYMBOLS_H
#define KNOCK_KERNEL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr; /* start of the function */
	uint32_t size; /* bytes, 0 if unknown */
	uint32_t name; /* offset into ksym_names */
};

/* Sorted by addr; provided by the generated file. */
extern const struct ksym ksyms[];
extern const uint32_t ksyms_count;
extern const char ksym_names[];

/* Name of the function containing addr, and the offset into it; NULL if
 * addr is outside every known function. */
const char *symbol_lookup(uintptr_t addr, uintptr_t *offset);

/* Address of a function by exact name, 0 if unknown (used by tests). */
uintptr_t symbol_address(const char *name);

#endif
