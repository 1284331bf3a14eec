/* Per-CPU trace rings (see trace.h). */
#include <stddef.h>

#include "trace.h"

_Static_assert((TRACE_RING_EVENTS & (TRACE_RING_EVENTS - 1)) == 0,
	       "the ring index is a mask: TRACE_RING_EVENTS must be a power of two");
_Static_assert(sizeof(struct trace_event) == 16, "a trace event is two words");

static struct trace_ring rings[TRACE_MAX_CPUS];
static bool trace_on;
static bool trace_paused;

void trace_record(const struct cpu *cpu, enum trace_kind kind, unsigned bit, uint32_t arg,
		  uint64_t tsc)
{
	if (!trace_on || trace_paused || cpu->id >= TRACE_MAX_CPUS)
		return;
	struct trace_ring *r = &rings[cpu->id];
	struct trace_event *e = &r->events[r->head++ & (TRACE_RING_EVENTS - 1)];
	*e = (struct trace_event){
		.tsc = tsc, .kind = (uint8_t)kind, .bit = (uint8_t)bit, .arg = arg
	};
}

void trace_set_on(bool on)
{
	if (on && !trace_on)
		trace_clear();
	trace_on = on;
}

bool trace_is_on(void)
{
	return trace_on;
}

void trace_pause(bool paused)
{
	trace_paused = paused;
}

const struct trace_ring *trace_ring(unsigned cpu_id)
{
	return cpu_id < TRACE_MAX_CPUS ? &rings[cpu_id] : NULL;
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
	for (unsigned i = 0; i < TRACE_MAX_CPUS; i++)
		rings[i].head = 0;
}
