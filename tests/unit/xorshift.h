/*
 * Deterministic randomness for tests that walk many generated cases: a
 * xorshift64 generator (Marsaglia, "Xorshift RNGs", 2003: shifts 13, 7,
 * 17) from a fixed seed, the same sequence on every host, so a failure
 * repeats exactly.
 */
#ifndef KNOCK_TEST_XORSHIFT_H
#define KNOCK_TEST_XORSHIFT_H

#include <stdint.h>

#define XORSHIFT_SEED 0x9e3779b97f4a7c15ull

/* The next value of the generator whose state is *state (never 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Below n (> 0); the modulo's bias is far below what the tests can see. */
static inline uint64_t xorshift64_below(uint64_t *state, uint64_t n)
{
	return xorshift64(state) % n;
}

#endif
