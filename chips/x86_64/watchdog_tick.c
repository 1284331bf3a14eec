/*
 * The stall watchdog's tick on x86_64 (watchdog_tick.h).
 *
 * Spec: Intel 8254 datasheet (channel 0, mode 2, rate generator) and the
 * 82093AA IOAPIC datasheet (masking a redirection entry).
 */
#include "chips/x86_64/watchdog_tick.h"

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/pit.h"
#include "chips/x86_64/trap_frame.h"
#include "kernel/arch.h"
#include "kernel/symbols.h"
#include "kernel/watchdog.h"

#define OPCODE_PUSH_RBP 0x55
#define OPCODE_RET 0xc3

static struct ioapic_pin tick_pin;
static uint8_t poke_vector;

/*
 * The return address the frame-pointer chain would skip. Every function
 * starts `push rbp; mov rbp, rsp` (-fno-omit-frame-pointer), and until
 * both have run, rbp is still the caller's frame: a walk from it starts at
 * the caller's caller. QEMU delivers interrupts between translation
 * blocks, and a block starts at every call target, so "at a function's
 * first instruction" is where the tick lands most. There the return
 * address is at [rsp]; after the push, at [rsp + 8]; at the final `ret`
 * (rbp already popped), at [rsp] again. The interrupted stack is the
 * kernel stack the stub runs on, so [rsp] is readable.
 */
static uintptr_t frameless_caller(const struct trap_frame *f)
{
	uintptr_t off;
	const uint8_t *code = (const uint8_t *)f->rip;
	const uintptr_t *sp = (const uintptr_t *)f->rsp;

	if (!symbol_lookup(f->rip, &off))
		return 0;
	if (off == 0 || code[0] == OPCODE_RET)
		return sp[0];
	if (off == 1 && code[-1] == OPCODE_PUSH_RBP)
		return sp[1];
	return 0;
}

/* On the slow stub, interrupts off. The EOI comes last: a report printed
 * here takes a while, and the PIT's next edge waits in the LAPIC (or, in
 * 8259 mode, in the 8259's request register) meanwhile instead of
 * nesting. Through the 8259 (Automatic EOI, as ExtINT) the LAPIC EOI
 * finds nothing in service and changes nothing (pic8259.c says why). */
static void watchdog_interrupt(struct trap_frame *f)
{
	const struct watchdog_where where = {
		.pc = f->rip,
		.fp = f->rbp,
		.caller = frameless_caller(f),
	};

	watchdog_tick(arch_this_cpu(), rdtsc(), &where);
	lapic_write(LAPIC_REG_EOI, 0);
}

/* The same handler takes the tick passed on to another CPU: the frame is
 * that CPU's, the tick is its own check (kernel/watchdog.h). The EOI is
 * the LAPIC's either way. */
void x86_watchdog_poke_start(uint8_t vector)
{
	poke_vector = vector;
	trap_set_handler(vector, watchdog_interrupt);
}

/* From the tick's handler on the tick CPU. A busy ICR (the send waits,
 * bounded) loses this poke only: the next tick sends another. */
void x86_watchdog_poke(unsigned cpu_id)
{
	const struct cpu *c = arch_cpu(cpu_id);

	if (c && poke_vector)
		lapic_send_fixed_nested(c->hw_id, poke_vector);
}

/* From another CPU that woke while the tick's CPU sleeps with the tick
 * masked (kernel/ticker.h). The IOAPIC's register select and window are
 * shared: at run time only this pin's low word is ever selected through
 * them, here and around the tick CPU's sleep, so two CPUs' writes
 * interleave into the same selection. */
void x86_watchdog_tick_unmask(void)
{
	ioapic_pin_set_masked(&tick_pin, false);
}

bool x86_watchdog_tick_start(uint8_t vector, uint32_t gsi)
{
	if (!ioapic_pin_get(gsi, &tick_pin))
		return false;
	trap_set_handler(vector, watchdog_interrupt);
	pit_periodic(0); /* 65536: the slowest rate */
	x86_idle_masked_cpu = arch_this_cpu();
	x86_idle_masked_pin = &tick_pin;
	ioapic_pin_set_masked(&tick_pin, false);
	return true;
}

void x86_watchdog_tick_start_pic(uint8_t vector, unsigned irq)
{
	trap_set_handler(vector, watchdog_interrupt);
	pit_periodic(0);
	x86_idle_masked_cpu = arch_this_cpu();
	x86_idle_masked_pic_irq = (int)irq;
	pic_set_masked(irq, false);
}
