/*
 * C interrupt handlers on the slow stubs (see irq_handler.h).
 *
 * Spec: Intel SDM vol. 3A 6.12.1 (interrupt gates clear IF), 11.8.5 (EOI).
 */
#include <stddef.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/lab/irq_handler.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/trap_frame.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"

extern const uint64_t isr_stub_table[256];

struct irq_handler {
	irq_handler_fn fn;
	void *ctx;
	bool eoi;
};

static struct irq_handler handlers[256];
struct irq_handler_costs irq_handler_costs;
uint64_t irq_handler_count;
uint64_t irq_handler_ticks;

/* The last run's two clock reads, for the calibration. */
static uint64_t last_entry, last_exit;

/*
 * trap_dispatch() runs trap_set_handler()'s handlers inside handler_depth,
 * as it does for exception reports. These handlers play the part of the
 * loop's driver code instead (cells, the console's ring): step out of
 * handler_depth for them, and back in for trap_dispatch to undo.
 */
static void irq_handler_trap(struct trap_frame *f)
{
	struct cpu *c = arch_this_cpu();

	c->handler_depth--;
	irq_handler_run(f->vector);
	c->handler_depth++;
}

void irq_handler_set(unsigned vector, irq_handler_fn fn, void *ctx)
{
	vector &= 0xff;
	handlers[vector] = (struct irq_handler){ .fn = fn, .ctx = ctx, .eoi = true };
	trap_set_handler(vector, irq_handler_trap);
	idt_set_gate(vector, isr_stub_table[vector], 0);
}

/*
 * An interrupt that became pending while interrupts were off is taken the
 * moment they come back on: a few instructions after the loop's sti (the
 * sti's shadow, the return), or right after the iretq of the handler
 * before it. When it arrived inside that stretch nobody can tell, so it
 * is dated at the stretch's start: an upper bound of its wait, which is
 * what an interrupts-off window costs the interrupts it holds.
 */
#define HELD_SLACK 32

bool irq_handler_run(uint64_t vector)
{
	/* First, so that everything the handler does is inside the window. */
	uint64_t entry = rdtsc();
	const struct irq_handler *h = &handlers[vector & 0xff];
	struct irq_off_meter *m = &irq_off_meter;
	/* The outside world's NMIs (irq_off_meter.h). */
	uint64_t stolen_at_entry = irq_off_meter_stolen_now();

	if (!h->fn)
		return false;
	uint64_t at = entry - irq_handler_costs.entry;
	uint64_t since = at;
	if (m->on && m->on_at && at - m->on_at <= HELD_SLACK) {
		since = m->closed_since;
		m->held++;
	}
	h->fn(h->ctx, since);
	if (h->eoi)
		lapic_write(LAPIC_REG_EOI, 0);
	uint64_t exit = rdtsc();
	/* The same steps whether the meter is on or not, so that the
	 * calibration's exit cost (everything from here to iretq) holds. */
	uint64_t ticks = irq_handler_costs.entry + (exit - entry) + irq_handler_costs.exit -
			 (irq_off_meter_stolen_now() - stolen_at_entry);
	irq_off_meter_woke(at);
	if (m->on)
		irq_off_meter_record(IRQ_OFF_HANDLER, ticks);
	m->on_at = exit + irq_handler_costs.exit;
	m->closed_since = since;
	irq_handler_count++;
	irq_handler_ticks += ticks;
	last_entry = entry;
	last_exit = exit;
	return true;
}

static void calibration_handler(void *ctx, uint64_t entry)
{
	(void)ctx;
	(void)entry;
}

void irq_handler_calibrate(void)
{
	unsigned v = IRQ_HANDLER_CALIBRATION_VECTOR;

	irq_handler_set(v, calibration_handler, NULL);
	handlers[v].eoi = false; /* a software interrupt is not in service at the LAPIC */
	irq_handler_costs = (struct irq_handler_costs){ 0, 0 };
	uint64_t a = rdtsc();
	uint64_t b = rdtsc();
	uint64_t before = rdtsc();
	__asm__ volatile("int %0" ::"i"(IRQ_HANDLER_CALIBRATION_VECTOR) : "memory");
	uint64_t after = rdtsc();
	uint64_t overhead = b - a;
	/* From the `int` to C's first clock read; from C's last clock read
	 * through iretq. */
	irq_handler_costs.entry = last_entry - before - overhead;
	irq_handler_costs.exit = after - last_exit;
	handlers[v] = (struct irq_handler){ .fn = NULL, .ctx = NULL, .eoi = false };
}
