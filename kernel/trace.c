/* Per-CPU trace rings (see trace.h); recording is inline in trace.h. */
#include <stddef.h>

#include "trace.h"

#include "loop.h"

_Static_assert((TRACE_RING_EVENTS & (TRACE_RING_EVENTS - 1)) == 0,
	       "the ring index is a mask: TRACE_RING_EVENTS must be a power of two");
_Static_assert(sizeof(struct trace_event) == 16, "a trace event is two words");

struct trace_ring *trace_rings;
unsigned trace_ring_count;
bool trace_recording;
static bool trace_on;
static bool trace_paused;

void trace_set_rings(struct trace_ring *rings, unsigned count)
{
	trace_rings = rings;
	trace_ring_count = rings ? count : 0;
	trace_clear();
}

enum trace_kind trace_fresh_kind(unsigned bit)
{
	return loop_slot_kind(bit) == LOOP_SLOT_DEFERRED ? TRACE_SET : TRACE_KNOCK;
}

void trace_set_on(bool on)
{
	if (on && !trace_on)
		trace_clear();
	trace_on = on;
	trace_recording = trace_on && !trace_paused;
}

bool trace_is_on(void)
{
	return trace_on;
}

void trace_pause(bool paused)
{
	trace_paused = paused;
	trace_recording = trace_on && !trace_paused;
}

const struct trace_ring *trace_ring(unsigned cpu_id)
{
	return cpu_id < trace_ring_count ? &trace_rings[cpu_id] : NULL;
}

uint64_t trace_held(const struct trace_ring *r)
{
	return r->head < TRACE_RING_EVENTS ? r->head : TRACE_RING_EVENTS;
}

uint64_t trace_oldest(const struct trace_ring *r)
{
	return r->head - trace_held(r);
}

void trace_clear(void)
{
	/* Only the heads: events past a head are never read. */
	for (unsigned i = 0; i < trace_ring_count; i++)
		trace_rings[i].head = 0;
}
