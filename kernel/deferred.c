/*
 * Deferred calls are loop slots that software knocks on instead of a
 * device: init claims a bit, register names its one client, and
 * deferred_call_set() (inline in deferred.h) just sets the bit.
 */
#include "deferred.h"

void deferred_call_init(struct deferred_call *dc, const char *owner)
{
	dc->bit = loop_declare_deferred(owner);
	dc->mask = (uint64_t)1 << dc->bit;
	dc->cpu = arch_this_cpu();
}

void deferred_call_register(struct deferred_call *dc, const char *client, loop_client_fn fn,
			    void *ctx)
{
	loop_set_client(dc->bit, client, fn, ctx);
}
