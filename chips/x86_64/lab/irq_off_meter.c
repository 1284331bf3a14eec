/*
 * The bake-off's interrupts-off meter (see irq_off_meter.h).
 *
 * Spec: Intel SDM vol. 3A 17.17 (the TSC; under QEMU -icount shift=0 it
 * counts instructions).
 */
#include "chips/x86_64/lab/irq_off_meter.h"
#include "chips/x86_64/cpu_regs.h"
#include "kernel/string.h"

struct irq_off_meter irq_off_meter;
uint64_t irq_off_meter_stolen;

void irq_off_meter_start(void)
{
	struct irq_off_meter *m = &irq_off_meter;
	uint64_t a = rdtsc();
	uint64_t b = rdtsc();

	memset(m, 0, sizeof(*m));
	m->overhead = b - a;
	__atomic_store_n(&m->on, true, __ATOMIC_RELEASE);
}

void irq_off_meter_record(enum irq_off_kind kind, uint64_t ticks)
{
	struct irq_off_meter *m = &irq_off_meter;

	m->windows[kind]++;
	m->total[kind] += ticks;
	if (ticks > m->longest[kind])
		m->longest[kind] = ticks;
}

void irq_off_meter_begin(void)
{
	/* A nested disable keeps the window of the outer one. */
	if (!irq_off_meter.since) {
		irq_off_meter.stolen_at_since = irq_off_meter_stolen_now();
		irq_off_meter.since = rdtsc();
	}
}

void irq_off_meter_end(void)
{
	struct irq_off_meter *m = &irq_off_meter;
	uint64_t now = rdtsc();

	if (!m->since)
		return;
	uint64_t stolen = irq_off_meter_stolen_now() - m->stolen_at_since;
	uint64_t ticks = now - m->since > stolen ? now - m->since - stolen : 0;
	irq_off_meter_record(IRQ_OFF_LOOP, ticks > m->overhead ? ticks - m->overhead : 0);
	m->closed_since = m->since;
	m->since = 0;
	m->on_at = rdtsc(); /* last: the sti follows */
}

void irq_off_meter_sleep(void)
{
	struct irq_off_meter *m = &irq_off_meter;

	irq_off_meter_end();
	m->sleeps++;
	m->stolen_at_sleep = irq_off_meter_stolen_now();
	m->idle_since = m->last_sleep = rdtsc();
}

void irq_off_meter_woke(uint64_t at)
{
	struct irq_off_meter *m = &irq_off_meter;

	if (!m->idle_since)
		return;
	/* The world's steps in the idle wait were not idle (the wait polls
	 * while the world runs, so they land in it). */
	uint64_t stolen = irq_off_meter_stolen_now() - m->stolen_at_sleep;
	if ((int64_t)(at - m->idle_since) > (int64_t)stolen)
		m->idle_total += at - m->idle_since - stolen;
	m->idle_since = 0;
}
