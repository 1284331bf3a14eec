/*
 * trap_dispatch: where every slow stub lands. CPU exceptions become a panic
 * report; a vector with a C handler (trap_set_handler: the stall watchdog's
 * tick; in the lab image, the bake-off's C interrupt handlers) runs it; legacy PIC
 * vectors are checked for spuriousness; any other vector has no top half
 * yet and is counted and logged once, not fatal.
 *
 * Spec: Intel SDM vol. 3A chapter 6 (interrupt and exception handling).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/percpu.h"
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/trap_frame.h"
#include "kernel/cpu.h"
#include "kernel/log.h"

#define EXC_BREAKPOINT 3

uint64_t unexpected_vector_count[256];
static trap_handler_fn trap_handlers[256];

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector >= VEC_EXCEPTIONS_END && vector < 256)
		trap_handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *f)
{
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
	} else if (unexpected_vector_count[f->vector]++ == 0) {
		log_warn("interrupt vector %u has no handler; counted, further ones not logged",
			 (unsigned)f->vector);
	}

	if (c)
		c->handler_depth--;
}
