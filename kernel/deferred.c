/*
 * Deferred calls are loop slots that software knocks on instead of a
 * device: init claims a bit, register names its one client, and
 * deferred_call_set() (inline in deferred.h) just sets the bit.
 */
#include "deferred.h"

/* Each bit's call, so the stats can read how often it was set. */
static const struct deferred_call *deferred_by_bit[PENDING_BITS];

void deferred_call_init(struct deferred_call *dc, const char *owner)
{
	dc->bit = loop_declare_deferred(owner);
	dc->mask = (uint64_t)1 << dc->bit;
	dc->cpu = arch_this_cpu();
	dc->sets = 0;
	deferred_by_bit[dc->bit] = dc;
}

uint64_t deferred_call_sets(unsigned bit)
{
	if (bit >= PENDING_BITS || !deferred_by_bit[bit] ||
	    loop_slot_kind(bit) != LOOP_SLOT_DEFERRED)
		return 0;
	return deferred_by_bit[bit]->sets;
}

void deferred_call_join(struct deferred_call *dc, const struct deferred_call *declared,
			const char *client, loop_client_fn fn, void *ctx)
{
	dc->bit = declared->bit;
	dc->mask = declared->mask;
	dc->cpu = arch_this_cpu();
	dc->sets = 0;
	loop_set_client(dc->bit, client, fn, ctx);
}

void deferred_call_register(struct deferred_call *dc, const char *client, loop_client_fn fn,
			    void *ctx)
{
	loop_set_client(dc->bit, client, fn, ctx);
}
