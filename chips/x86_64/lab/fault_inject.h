/* Deliberate CPU exceptions, so tests can check every fault report. */
#ifndef KNOCK_CHIPS_FAULT_INJECT_H
#define KNOCK_CHIPS_FAULT_INJECT_H

#include <stdbool.h>

/* Address the page-fault kinds touch: canonical, above the 4 GiB identity
 * map, so never mapped. Tests check CR2 against it. */
#define FAULT_UNMAPPED_ADDR 0x0000004000000000ull

/* Kinds: pf (read), pf-write, pf-null, pf-exec (fetch from .data, NX), ud,
 * de, gp, bp, stack; irq (a self-IPI on FAULT_UNUSED_VECTOR) and int (a
 * software `int` on the vector after it), both on vectors without a
 * handler, which reach the slow path's common entry. Returns for an
 * unknown kind and for bp, irq and int (reported, and execution resumes).
 * The list is for help text. */
#define FAULT_UNUSED_VECTOR 0x9c
bool x86_fault_trigger(const char *kind);
extern const char x86_fault_kinds[];

#endif
