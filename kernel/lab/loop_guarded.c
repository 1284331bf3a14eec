/* The in-ISR design's loop (loop_guarded.h). */
#include "kernel/lab/loop_guarded.h"

#include "kernel/arch.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/pending.h"

uint64_t loop_round_guarded(struct cpu *cpu)
{
	uint64_t taken = pending_take_all(cpu);

	for (uint64_t work = taken; work; work &= work - 1) {
		unsigned bit = (unsigned)__builtin_ctzll(work);
		loop_client_fn fn = loop_slot_client_fn(bit);
		void *ctx = loop_slot_ctx(cpu->id, bit);

		cpu->serviced[bit]++;
		cpu->running = bit;
		if (!fn) {
			panic("pending bit %u (%s) is set but has no client", bit,
			      loop_slot_name(bit) ? loop_slot_name(bit) : "undeclared");
		} else {
			arch_irq_disable();
			fn(ctx);
			arch_irq_enable();
		}
	}
	/* Counted once it has ended, as the product's loop does. */
	if (taken)
		cpu->rounds++;
	return taken;
}

_Noreturn void loop_run_guarded(void)
{
	struct cpu *cpu = arch_this_cpu();

	for (;;) {
		if (!loop_round_guarded(cpu))
			loop_sleep_if_idle(cpu);
	}
}
