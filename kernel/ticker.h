/*
 * The ticker: the CPU the stall watchdog's tick interrupts (kernel/
 * watchdog.h), and whether it sleeps with that tick masked.
 *
 * The tick watches every CPU (the ticker passes it on to each awake one),
 * so the ticker may mask it for a sleep only while every other CPU sleeps
 * too, and a CPU that wakes while the ticker sleeps masked must unmask it.
 * The store-buffer pattern of the loop's sleep: the ticker masks the
 * tick, raises its flag (full barrier), then reads the others' idle
 * marks (and unmasks again if one is awake); a CPU that wakes clears its
 * idle mark (full barrier), then reads the flag and, if up, unmasks the
 * tick itself. Either the ticker sees it awake, or it sees the
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

/* The ticker's flag: up from just after the ticker masks its tick
 * (before it looks at the others' idle marks) until it is awake again, or
 * another CPU has turned the tick on (ticker_wake(): the first to wake).
 * It is a bit of the ticker's own idle mark (cpu->idle: bit 0 is the
 * loop's mark, which is up whenever this one is), so that the ticker's
 * loop takes both down with the one store it makes after the halt
 * (kernel/loop.c; timer_wake_latency counts it). ticker_flag points at
 * that word, or at a word that stays 0 until ticker_set_cpu(). */
#define TICKER_ASLEEP 2u
extern uint64_t *ticker_flag;

/* The ticker, before its halt: the flag up, with a full barrier. */
static inline void ticker_flag_raise(struct cpu *self)
{
	__atomic_fetch_or(&self->idle, TICKER_ASLEEP, __ATOMIC_SEQ_CST);
}

/* The ticker, staying awake after all: the flag down again. */
static inline void ticker_flag_lower(struct cpu *self)
{
	__atomic_fetch_and(&self->idle, ~(uint64_t)TICKER_ASLEEP, __ATOMIC_RELAXED);
}

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
	if (__builtin_expect((__atomic_load_n(ticker_flag, __ATOMIC_RELAXED) & TICKER_ASLEEP) != 0,
			     0))
		ticker_wake(cpu);
}

/* Forget the ticker (host tests). */
void ticker_reset_for_test(void);

#endif
