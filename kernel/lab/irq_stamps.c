/* Reading the stamped top halves' record of a service (irq_stamps.h). */
#include "kernel/lab/irq_stamps.h"

#include <stdbool.h>

struct irq_stamps irq_stamps_read(const struct cpu *cpu, unsigned bit)
{
	struct irq_stamps s;

	/* A top half may run between these reads: read until its count did
	 * not move (it runs to completion on this CPU, so this ends). Read
	 * from irq_first alone, a 20 ms callback's first interrupt once came
	 * out as one that came just after the callback, when an interrupt
	 * landed between the loop's take and these reads, and the bake-off's
	 * 16550 model missed that callback's overrun (docs/bakeoff.md). */
	do {
		s.entered = __atomic_load_n(&cpu->irq_entered[bit], __ATOMIC_ACQUIRE);
		bool again = __atomic_load_n(&cpu->pending, __ATOMIC_RELAXED) & (1ull << bit);
		s.first = __atomic_load_n(again ? &cpu->irq_first_prev[bit] : &cpu->irq_first[bit],
					  __ATOMIC_RELAXED);
		s.last = __atomic_load_n(&cpu->irq_stamp[bit], __ATOMIC_RELAXED);
	} while (s.entered != __atomic_load_n(&cpu->irq_entered[bit], __ATOMIC_ACQUIRE));
	return s;
}
