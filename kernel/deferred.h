/*
 * Deferred calls: a capsule asks the loop to call its client back later,
 * from the loop, instead of calling it from inside the call that caused it
 * (Tock's rule: no callback runs inside the call that triggered it).
 *
 *   static struct deferred_call dc;
 *   deferred_call_init(&dc, "hello");             // declares a bit
 *   deferred_call_register(&dc, "hello", fn, ctx); // exactly one client
 *   deferred_call_set(&dc);                        // fn(ctx) runs later
 *
 * Setting an already-set call coalesces: the client runs once.
 */
#ifndef KNOCK_KERNEL_DEFERRED_H
#define KNOCK_KERNEL_DEFERRED_H

#include "loop.h"
#include "pending.h"
#include "arch.h"

/*
 * The mask and the CPU are worked out once, at init, so that setting the
 * call is a single `lock or` of a loaded mask into a loaded address: the
 * loop's own hot path. A deferred call belongs to the CPU that initialised
 * it (its client runs on that CPU's loop); setting it from another CPU
 * still sets the owner's bit, and the owner sees it at its next round
 * (waking a sleeping owner is the cross-CPU knock's job, not this one's).
 */
struct deferred_call {
	uint64_t mask;
	struct cpu *cpu;
	unsigned bit;
	/* Times deferred_call_set() was called: the stats capsule's "raised".
	 * A plain increment, exact while the call is set from one CPU at a
	 * time (its owner's loop: every caller today). */
	uint64_t sets;
};

void deferred_call_init(struct deferred_call *dc, const char *owner);
void deferred_call_register(struct deferred_call *dc, const char *client, loop_client_fn fn,
			    void *ctx);

/* The same deferred call on the calling CPU (another CPU, wiring itself
 * before it goes online): `dc` becomes this CPU's copy of the boot CPU's
 * `declared` (its bit, this CPU's pending word), and `fn` its client here
 * with its own context (loop_set_client()'s rules: the boot CPU's
 * function). */
void deferred_call_join(struct deferred_call *dc, const struct deferred_call *declared,
			const char *client, loop_client_fn fn, void *ctx);

/* Cheap on purpose: one atomic OR on the owning CPU's pending word, and
 * one increment of the call's own counter. */
static inline void deferred_call_set(struct deferred_call *dc)
{
	dc->sets++;
	__atomic_fetch_or(&dc->cpu->pending, dc->mask, __ATOMIC_RELEASE);
}

/* Times the deferred call on `bit` was set (0 for a bit that is not a
 * deferred call). */
uint64_t deferred_call_sets(unsigned bit);

#endif
