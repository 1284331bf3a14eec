/*
 * Each function provokes one exception for real; the report must then name
 * the function (the backtrace test relies on these names). noinline keeps
 * them as their own symbols.
 *
 * Spec: Intel SDM vol. 3A 6.15 (the exceptions provoked: #DE, #BP, #UD, #DF,
 * #GP, #PF).
 */
#include <stdint.h>

#include "chips/x86_64/lab/fault_inject.h"
#include "chips/x86_64/lapic.h"
#include "kernel/string.h"

const char x86_fault_kinds[] = "pf pf-write pf-null pf-exec ud de gp bp stack irq int";

/* A `ret` in .data: with NX on, fetching it faults. */
static uint8_t data_not_code[16] = { 0xc3 };

__attribute__((noinline)) static void fault_page_read(void)
{
	(void)*(volatile uint64_t *)FAULT_UNMAPPED_ADDR;
}

__attribute__((noinline)) static void fault_page_write(void)
{
	*(volatile uint64_t *)FAULT_UNMAPPED_ADDR = 1;
}

__attribute__((noinline)) static void fault_null_read(void)
{
	volatile uint64_t *volatile p = 0;
	(void)*p; // NOLINT(clang-analyzer-core.NullDereference): the point of fault=pf-null
}

__attribute__((noinline)) static void fault_execute_data(void)
{
	void (*volatile fn)(void) = (void (*)(void))(uintptr_t)data_not_code;
	fn();
}

__attribute__((noinline)) static void fault_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noinline)) static void fault_divide_error(void)
{
	__asm__ volatile("xorl %%edx, %%edx\n\t"
			 "xorl %%ecx, %%ecx\n\t"
			 "movl $1, %%eax\n\t"
			 "divl %%ecx" ::
				 : "eax", "ecx", "edx");
}

__attribute__((noinline)) static void fault_general_protection(void)
{
	(void)*(volatile uint64_t *)0x8000000000000000ull; /* non-canonical */
}

__attribute__((noinline)) static void fault_breakpoint(void)
{
	__asm__ volatile("int3");
}

/* Recurse with a big frame until the guard page stops us. The recursion
 * has no end on purpose, which GCC rightly warns about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
// NOLINTNEXTLINE(misc-no-recursion): unbounded on purpose, to reach the guard page
__attribute__((noinline)) static uint64_t fault_stack_overflow(uint64_t depth)
{
	volatile uint8_t frame[512];
	frame[0] = (uint8_t)depth;
	return fault_stack_overflow(depth + 1) + frame[0];
}
#pragma GCC diagnostic pop

bool x86_fault_trigger(const char *kind)
{
	if (!strcmp(kind, "pf"))
		fault_page_read();
	else if (!strcmp(kind, "pf-write"))
		fault_page_write();
	else if (!strcmp(kind, "pf-null"))
		fault_null_read();
	else if (!strcmp(kind, "pf-exec"))
		fault_execute_data();
	else if (!strcmp(kind, "ud"))
		fault_invalid_opcode();
	else if (!strcmp(kind, "de"))
		fault_divide_error();
	else if (!strcmp(kind, "gp"))
		fault_general_protection();
	else if (!strcmp(kind, "bp"))
		fault_breakpoint();
	else if (!strcmp(kind, "stack"))
		(void)fault_stack_overflow(0);
	else if (!strcmp(kind, "irq"))
		lapic_self_ipi(FAULT_UNUSED_VECTOR); /* reported, retired, resumed */
	else if (!strcmp(kind, "int"))
		__asm__ volatile("int %0" ::"i"(FAULT_UNUSED_VECTOR + 1) : "memory");
	else
		return false;
	/* Only a breakpoint and the two interrupts come back: their handlers
	 * report and resume. */
	return true;
}
