/*
 * The calling CPU's loop counters (struct cpu, kernel/cpu.h), for the
 * lab's capsules, which may not reach kernel/arch.h themselves.
 */
#ifndef KNOCK_KERNEL_LAB_CPU_COUNTERS_H
#define KNOCK_KERNEL_LAB_CPU_COUNTERS_H

#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/cpu.h"

/* Returns from `hlt` in the loop's sleep on this CPU since boot. */
static inline uint64_t lab_cpu_wakeups(void)
{
	return arch_this_cpu()->wakeups;
}

#endif
