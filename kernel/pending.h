/*
 * The pending word: interrupts knock by setting a bit, the loop answers by
 * taking all bits at once.
 *
 * Setting is an atomic OR so that a top half on this CPU, another CPU, and
 * the loop itself can all set bits without a lock. Taking is an atomic
 * exchange with 0, so a bit set between the loop's read and its clear can
 * never be lost: either the exchange returns it or it stays in the word.
 */
#ifndef KNOCK_KERNEL_PENDING_H
#define KNOCK_KERNEL_PENDING_H

#include <stdint.h>

#include "cpu.h"

#define PENDING_BITS 64

static inline void pending_set(struct cpu *cpu, unsigned bit)
{
	__atomic_fetch_or(&cpu->pending, (uint64_t)1 << bit, __ATOMIC_RELEASE);
}

static inline __attribute__((always_inline)) uint64_t pending_take_all(struct cpu *cpu)
{
	return __atomic_exchange_n(&cpu->pending, 0, __ATOMIC_ACQUIRE);
}

static inline uint64_t pending_peek(const struct cpu *cpu)
{
	return __atomic_load_n(&cpu->pending, __ATOMIC_ACQUIRE);
}

#endif
