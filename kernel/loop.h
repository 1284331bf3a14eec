/*
 * The knock loop: take all pending bits, dispatch each set bit to its one
 * client (lowest bit first, each bit at most once per round), then sleep
 * without racing the next interrupt.
 *
 * Every bit is a slot. The board declares the interrupt slots (one per
 * device source, from its top-half table); deferred calls declare theirs
 * through kernel/deferred.h. Each declared slot must end up with exactly one
 * client: loop_verify() checks that before the loop starts and panics with
 * the names involved otherwise.
 */
#ifndef KNOCK_KERNEL_LOOP_H
#define KNOCK_KERNEL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

typedef void (*loop_client_fn)(void *ctx);

enum loop_slot_kind {
	LOOP_SLOT_FREE = 0,
	LOOP_SLOT_INTERRUPT,
	LOOP_SLOT_DEFERRED,
};

/* Declare that `bit` belongs to the interrupt source `source`. */
void loop_declare_interrupt(unsigned bit, const char *source);

/*
 * Declare the next free deferred-call bit for `owner` and return it.
 * Deferred bits are taken from the top (63 down) so interrupt sources,
 * numbered from 0 by the board, are dispatched first in each round.
 * Panics when no bit is free.
 */
unsigned loop_declare_deferred(const char *owner);

/* Give a declared bit its client on the calling CPU. On the boot CPU a
 * second client is recorded and reported by loop_verify(), not silently
 * replaced. Other CPUs wire after that check (docs/smp.md): each gives a
 * bit the boot CPU's client function with its own ctx, at most once, or
 * panics. */
void loop_set_client(unsigned bit, const char *client, loop_client_fn fn, void *ctx);

/* On a CPU other than the boot CPU, after loop_verify(): answer the
 * interrupt bit `bit` with `fn(ctx)`, which hands each knock to CPU
 * `owner`, the CPU whose loop owns the bit's capsule, instead of calling
 * the capsule here (kernel/xcall.h: xcall_handover(); docs/smp.md,
 * "Interrupts on any CPU"). At most once per bit and CPU, and not where
 * the CPU already has a client for it; anything else panics. */
void loop_set_handover(unsigned bit, unsigned owner, loop_client_fn fn, void *ctx);

/* The CPU that `cpu` hands `bit` over to, or -1 where it does not. */
int loop_handover_owner(unsigned cpu, unsigned bit);

/* Replace the one client of `bit` on the boot CPU (before loop_verify).
 * The board never does; the lab wing does, to run a device's driver
 * another way (docs/lab.md). Read the old one first with
 * loop_slot_client_fn() and loop_slot_ctx(). Panics unless the bit has
 * exactly one client. */
void loop_replace_client(unsigned bit, const char *client, loop_client_fn fn, void *ctx);

/* The context `cpu` answers `bit` with; NULL while it has no client. */
void *loop_slot_ctx(unsigned cpu, unsigned bit);

/* Whether CPU `cpu` has a client for `bit` (any CPU may ask). */
bool loop_has_client(unsigned cpu, unsigned bit);

/* Panics unless every declared bit has exactly one client. */
void loop_verify(void);

/* One round: take all pending bits of `cpu` and dispatch them. Returns the
 * bits taken (0 when there was nothing to do). A set bit with no declared
 * slot is a bug and panics, naming the bit. */
uint64_t loop_round(struct cpu *cpu);

/* Sleep until an interrupt if, with interrupts off, nothing is pending. */
void loop_sleep_if_idle(struct cpu *cpu);

/* Run rounds and sleeps forever on this CPU. */
_Noreturn void loop_run(void);

/* Introspection for the shell, stats and tests. */
enum loop_slot_kind loop_slot_kind(unsigned bit);
const char *loop_slot_name(unsigned bit);
/* The bit's client and its name; NULL while it has none. */
loop_client_fn loop_slot_client_fn(unsigned bit);
const char *loop_slot_client(unsigned bit);

/*
 * Observation hooks (kernel/observe.c uses them; nothing else should).
 *
 * loop_set_route(route): from now on every owned bit calls route[bit]
 * (with the bit's own ctx) instead of its client; the route calls the
 * client through loop_slot_client_fn(). NULL goes back to direct calls.
 * Clients set later are routed too. Call it from the loop.
 *
 * loop_set_sleep_observer(fn): fn(cpu, false) just before the loop halts
 * (interrupts are off then: fn must not turn them on), fn(cpu, true) when
 * it wakes. NULL: no calls. Either way the sleep makes one indirect call
 * (to the halt, or to the halt wrapped in the two calls), so the wake-up
 * tests nothing for it.
 */
typedef void (*loop_sleep_observer_fn)(struct cpu *cpu, bool waking);
void loop_set_route(const loop_client_fn *route);
void loop_set_sleep_observer(loop_sleep_observer_fn fn);

/*
 * Idle work (processes, docs/processes.md): when a round found no bit
 * pending, this CPU's loop calls fn(ctx) instead of sleeping; it returns
 * true if it did something (ran a process), and the loop then goes round
 * again, false if there was nothing to do, and the loop sleeps as before.
 * fn runs with `pending` found empty; it must come back soon after a knock.
 * Boot time, on the CPU itself, before loop_run().
 */
typedef bool (*loop_idle_fn)(void *ctx);
void loop_set_idle_work(loop_idle_fn fn, void *ctx);

/* Forget every slot (host tests only need this; the kernel never calls it). */
void loop_reset_for_test(void);

#endif
