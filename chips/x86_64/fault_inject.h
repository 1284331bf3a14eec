/* Deliberate CPU exceptions, so tests can check every fault report. */
#ifndef KNOCK_CHIPS_FAULT_INJECT_H
#define KNOCK_CHIPS_FAULT_INJECT_H

/* Address the page-fault kinds touch: canonical, above the 4 GiB identity
 * map, so never mapped. Tests check CR2 against it. */
#define FAULT_UNMAPPED_ADDR 0x0000004000000000ull

/* Kinds: pf (read), pf-write, pf-null, ud, de, gp, bp, stack. Returns only
 * for an unknown kind (or for bp once #BP resumes). The list is for help
 * text. */
void x86_fault_trigger(const char *kind);
extern const char x86_fault_kinds[];

#endif
