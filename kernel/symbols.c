/*
 * Lookups in the embedded symbol table (kernel/symbols.h), for backtraces.
 * The table is sorted by address, so finding the function that contains an
 * address is a binary search for the last symbol starting at or below it.
 */
#include "symbols.h"

#include "string.h"

/* Index of the last symbol whose addr <= addr, or -1 if there is none. */
static long symbol_index_at_or_below(uintptr_t addr)
{
	long lo = 0, hi = (long)ksyms_count - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (ksyms[mid].addr <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

const char *symbol_lookup(uintptr_t addr, uintptr_t *offset)
{
	long i = symbol_index_at_or_below(addr);

	if (i < 0)
		return NULL;
	const struct ksym *s = &ksyms[i];
	uintptr_t off = addr - s->addr;
	/* A symbol without a size (an asm label) reaches up to the next
	 * symbol, which is exactly what the search already guarantees. */
	if (s->size != 0 && off >= s->size)
		return NULL;
	if (offset)
		*offset = off;
	return &ksym_names[s->name];
}

uintptr_t symbol_address(const char *name)
{
	for (uint32_t i = 0; i < ksyms_count; i++) {
		if (strcmp(&ksym_names[ksyms[i].name], name) == 0)
			return ksyms[i].addr;
	}
	return 0;
}
