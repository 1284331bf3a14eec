/*
 * Sorting the lab's benchmark samples (a few dozen at a time, once a run):
 * an insertion sort in place, ascending, so the median and the extremes
 * can be read off.
 */
#ifndef KNOCK_KERNEL_LAB_SORT_H
#define KNOCK_KERNEL_LAB_SORT_H

#include <stdint.h>

static inline void lab_sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

#endif
