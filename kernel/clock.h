/*
 * Time as capsules may see it. Capsules never include kernel/arch.h
 * directly; they read the cycle counter through here.
 */
#ifndef KNOCK_KERNEL_CLOCK_H
#define KNOCK_KERNEL_CLOCK_H

#include <stdint.h>

#include "arch.h"

static inline uint64_t clock_cycles(void)
{
	return arch_cycles();
}

#endif
