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

struct deferred_call {
	unsigned bit;
};

void deferred_call_init(struct deferred_call *dc, const char *owner);
void deferred_call_register(struct deferred_call *dc, const char *client, loop_client_fn fn,
			    void *ctx);

/* Cheap on purpose: one atomic OR on this CPU's pending word. */
static inline void deferred_call_set(const struct deferred_call *dc)
{
	pending_set(arch_this_cpu(), dc->bit);
}

#endif
