/*
 * trap_dispatch: where every slow stub lands. CPU exceptions become a panic
 * report; a vector with a C handler (trap_set_handler: the stall watchdog's
 * tick; in the lab image, the bake-off's C interrupt handlers) runs it; legacy PIC
 * vectors are checked for spuriousness; any other vector has no top half
 * yet and is counted and logged once, not fatal.
 *
 * Vectors without a stub of their own arrive through one common entry and
 * are found in the LAPIC's in-service registers (Intel SDM vol. 3, 11.8.4:
 * the interrupt being handled is the highest bit in service, because a
 * lower or equal priority class cannot interrupt it).
 *
 * Spec: Intel SDM vol. 3A chapter 6 (interrupt and exception handling).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/percpu.h"
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/trap_frame.h"
#include "kernel/cpu.h"
#include "kernel/log.h"

uint64_t unexpected_vector_count[257]; /* [256]: none in service */
static trap_handler_fn trap_handlers[256];

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector >= VEC_EXCEPTIONS_END && vector < 256)
		trap_handlers[vector] = fn;
}

/* Vectors 0-31 cannot be in service. */
unsigned trap_in_service_vector(void)
{
	for (unsigned i = 7; i >= 1; i--) {
		uint32_t bits = lapic_read(LAPIC_REG_ISR0 + 0x10 * i);
		if (bits)
			return i * 32 + 31 - (unsigned)__builtin_clz(bits);
	}
	return TRAP_VECTOR_FIND_IN_SERVICE;
}

static void unexpected_vector(unsigned vector)
{
	if (vector == TRAP_VECTOR_FIND_IN_SERVICE) {
		if (unexpected_vector_count[vector]++ == 0)
			log_warn("an interrupt with no handler and nothing in service at the LAPIC "
				 "(a software int?); counted, further ones not logged");
		return;
	}
	/* In service: retire it, or it would hold off its priority class. */
	lapic_write(LAPIC_REG_EOI, 0);
	if (unexpected_vector_count[vector]++ == 0)
		log_warn("interrupt vector %u has no handler; counted, further ones not logged",
			 vector);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == TRAP_VECTOR_FIND_IN_SERVICE)
		f->vector = trap_in_service_vector();

	struct cpu *c = x86_this_cpu_or_null();
	if (c)
		c->handler_depth++;

	if (f->vector == EXC_BREAKPOINT) {
		exception_breakpoint(f);
	} else if (f->vector < VEC_EXCEPTIONS_END) {
		exception_report(f);
	} else if (f->vector < 256 && trap_handlers[f->vector]) {
		trap_handlers[f->vector](f);
	} else if (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_END) {
		if (!pic_handle_vector(f->vector))
			log_warn("8259 IRQ %u arrived although masked",
				 (unsigned)(f->vector - VEC_PIC_BASE));
	} else {
		unexpected_vector((unsigned)f->vector);
	}

	if (c)
		c->handler_depth--;
}
