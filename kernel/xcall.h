/*
 * Cross-CPU deferred calls: knock on another CPU (docs/smp.md).
 *
 * An xcall is one pending bit, the same number on every CPU, with a client
 * on each CPU that registers one. xcall_set(xc, cpu) sets the bit in that
 * CPU's pending word and, if that CPU may be asleep, sends it the wake-up
 * IPI; that CPU's loop then calls its client, as for any deferred call.
 * Setting it on the calling CPU itself is an ordinary deferred call.
 *
 *   static struct xcall ping;
 *   xcall_init(&ping, "ping");                     // boot CPU, before the others start
 *   xcall_register(&ping, "ping", on_ping, state); // on each CPU that answers it
 *   xcall_set(&ping, 3);                           // from any CPU, any loop context
 *
 * A bit carries no data, and several sets before the client runs make one
 * call. Data goes in memory the caller owns until the set hands it over:
 * setting the bit is a release and the loop's taking it an acquire, so the
 * client sees everything written before the set. Per-CPU mailboxes of
 * atomic flags or masks (see capsules/smp_ping.c) say what each call is for.
 *
 * The wake-up IPI is skipped when the target is not asleep: the loop marks
 * itself idle before its last check of `pending` (kernel/loop.c), and the
 * set checks that mark after setting the bit, both with full barriers, so
 * a sleeping target is always woken. xcall_always_ipi turns the skip off,
 * to measure what it saves.
 */
#ifndef KNOCK_KERNEL_XCALL_H
#define KNOCK_KERNEL_XCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"

struct xcall {
	uint64_t mask;
	unsigned bit;
};

/* What each CPU did as a sender (its own entry: no sharing). */
struct xcall_stats {
	uint64_t sets;         /* xcall_set() calls that reached an online CPU */
	uint64_t ipis;         /* wake-up IPIs sent */
	uint64_t ipis_skipped; /* sets to another CPU that was not asleep */
	uint64_t ipis_failed;  /* wake-up IPIs the interrupt controller never took */
};

/* Declare the bit (on the boot CPU, before other CPUs start: the slot
 * table is not shared-safe). */
void xcall_init(struct xcall *xc, const char *owner);

/* This CPU's client for the bit. */
void xcall_register(const struct xcall *xc, const char *client, loop_client_fn fn, void *ctx);

/* Knock on CPU `cpu`. Returns false, and sets nothing, if that CPU is not
 * online. */
bool xcall_set(const struct xcall *xc, unsigned cpu);

/*
 * On this CPU (not the boot CPU), answer the interrupt bit `bit` by
 * handing each knock to CPU `owner`: set the same bit in the owner's
 * pending word, plus the wake-up IPI if it may sleep, exactly as
 * xcall_set() does. The owner's loop then runs the bit's capsule, whose
 * state only that loop touches. For a device interrupt routed to this
 * CPU whose capsule another CPU owns (docs/smp.md, "Interrupts on any
 * CPU"). The owner must already answer the bit (panics otherwise).
 */
void xcall_handover(unsigned bit, unsigned owner);

/* Send the IPI even to a CPU that is not asleep (measurements only). */
extern bool xcall_always_ipi;

void xcall_get_stats(unsigned cpu, struct xcall_stats *out);

#endif
