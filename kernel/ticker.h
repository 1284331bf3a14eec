/*
 * The ticker: the CPU the stall watchdog's tick interrupts (kernel/
 * watchdog.h), and whether it sleeps with that tick masked.
 *
 * The tick watches every CPU (the ticker passes it on to each awake one),
 * so the ticker may mask it for a sleep only while every other CPU sleeps
 * too, and a CPU that wakes while the ticker sleeps masked must unmask it.
 * The store-buffer pattern of the loop's sleep: the ticker masks the
 * tick, sets `ticker_asleep` (full barrier), then reads the others' idle
 * marks (and unmasks again if one is awake); a CPU that wakes clears its
 * idle mark (full barrier), then reads `ticker_asleep` and, if set,
 * unmasks the tick itself. Either the ticker sees it awake, or it sees the
 * flag. Never neither. Its unmask comes after the ticker's mask (it
 * follows the flag, which follows the mask), and an unmask is never
 * wrong, only a tick more. The ticker is not woken at once: its tick
 * comes within a period, and then it passes the tick on. docs/smp.md,
 * "The stall watchdog on every CPU".
 *
 * Its own module, not the watchdog's: the loop calls it, and the watchdog
 * calls the loop.
 */
#ifndef KNOCK_KERNEL_TICKER_H
#define KNOCK_KERNEL_TICKER_H

#include <stdbool.h>

#include "cpu.h"

/* 1 from just after the ticker masks its tick (before it looks at the
 * others' idle marks) until it is awake again, or another CPU has turned
 * the tick on (ticker_wake(): the first to wake). */
extern unsigned ticker_asleep;

/* The ticker is CPU `id`, and `unmask` turns its tick on from any CPU
 * (the watchdog's wiring says so; NULL: the ticker's wake-up IPI). */
void ticker_set_cpu(unsigned id, void (*unmask)(void));

/* The ticker's sleep: whether any other online CPU is awake (its idle
 * mark down), so the tick must stay on. */
bool ticker_others_awake(const struct cpu *self);

/* Turn the ticker's tick on (unless `self` is the ticker): out of line,
 * rare. */
void ticker_wake(const struct cpu *self);

/* A CPU other than the ticker is awake again: its idle mark down, then the
 * ticker's tick turned on if it sleeps with it masked. */
static inline __attribute__((always_inline)) void ticker_note_awake(struct cpu *cpu)
{
	__atomic_store_n(&cpu->idle, 0, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&ticker_asleep, __ATOMIC_RELAXED) != 0, 0))
		ticker_wake(cpu);
}

/* Forget the ticker (host tests). */
void ticker_reset_for_test(void);

#endif
