/*
 * The report for a CPU exception: which exception, the saved registers,
 * CR2/CR3, a backtrace resolved to function names, then halt (panic).
 *
 * Everything is printed through kprintf, so it reaches serial and VGA. The
 * format is parsed by tests/e2e; keep the words "PANIC:", "vector",
 * "error", "rip", "cr2", "backtrace:".
 *
 * Spec: Intel SDM vol. 3A 6.15 (exception and interrupt reference), 4.7
 * (page-fault error code), 6.14.1 (64-bit interrupt stack frame).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/percpu.h"
#include "chips/x86_64/trap_frame.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"

static const char *const exception_names[32][2] = {
	{ "#DE", "divide error" },
	{ "#DB", "debug" },
	{ "NMI", "non-maskable interrupt" },
	{ "#BP", "breakpoint" },
	{ "#OF", "overflow" },
	{ "#BR", "bound range exceeded" },
	{ "#UD", "invalid opcode" },
	{ "#NM", "device not available" },
	{ "#DF", "double fault" },
	{ "---", "coprocessor segment overrun" },
	{ "#TS", "invalid TSS" },
	{ "#NP", "segment not present" },
	{ "#SS", "stack-segment fault" },
	{ "#GP", "general protection fault" },
	{ "#PF", "page fault" },
	{ "---", "reserved" },
	{ "#MF", "x87 floating-point error" },
	{ "#AC", "alignment check" },
	{ "#MC", "machine check" },
	{ "#XM", "SIMD floating-point error" },
	{ "#VE", "virtualization exception" },
	{ "#CP", "control protection" },
	{ "---", "reserved" },
	{ "---", "reserved" },
	{ "---", "reserved" },
	{ "---", "reserved" },
	{ "---", "reserved" },
	{ "---", "reserved" },
	{ "#HV", "hypervisor injection" },
	{ "#VC", "VMM communication" },
	{ "#SX", "security exception" },
	{ "---", "reserved" },
};

const char *exception_name(unsigned vector)
{
	return vector < 32 ? exception_names[vector][1] : "interrupt";
}

static void print_symbolised(const char *label, uint64_t addr)
{
	uintptr_t off;
	const char *name = symbol_lookup(addr, &off);
	if (name)
		kprintf("  %-6s 0x%016llx <%s+0x%llx>\n", label, (unsigned long long)addr, name,
			(unsigned long long)off);
	else
		kprintf("  %-6s 0x%016llx <?>\n", label, (unsigned long long)addr);
}

static void explain_page_fault(uint64_t error, uint64_t cr2)
{
	kprintf("  cause  %s of 0x%016llx, %s%s%s\n",
		(error & 0x10) ? "instruction fetch" :
		(error & 2)    ? "write" :
				 "read",
		(unsigned long long)cr2, (error & 1) ? "protection violation" : "page not present",
		(error & 4) ? ", user mode" : "", (error & 8) ? ", reserved bit set" : "");
}

static void explain_double_fault(uint64_t cr2)
{
	uintptr_t guard = (uintptr_t)kernel_stack_guard;
	if (cr2 >= guard && cr2 < guard + 4096)
		kprintf("  cause  kernel stack overflow: cr2 is in the guard page below the boot "
			"stack [0x%llx-0x%llx)\n",
			(unsigned long long)guard, (unsigned long long)guard + 4096);
	else
		kprintf("  cause  a fault while delivering another exception (cr2 holds the last "
			"page-fault address)\n");
}

/* Everything but the headline: registers, CR2/CR3 and their meaning, the
 * backtrace. Shared by the fatal report and the breakpoint report. */
static void print_state(const struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	uint64_t cr2 = read_cr2();
	uint64_t cr3 = read_cr3();

	kprintf("  vector %u  error 0x%llx\n", v, (unsigned long long)f->error);
	print_symbolised("rip", f->rip);
	kprintf("  cs     0x%04llx  rflags 0x%016llx\n", (unsigned long long)f->cs,
		(unsigned long long)f->rflags);
	kprintf("  rsp    0x%016llx  ss 0x%04llx\n", (unsigned long long)f->rsp,
		(unsigned long long)f->ss);
	if (v == EXC_PAGE_FAULT || v == EXC_DOUBLE_FAULT)
		kprintf("  cr2    0x%016llx\n", (unsigned long long)cr2);
	kprintf("  cr3    0x%016llx\n", (unsigned long long)cr3);
	if (v == EXC_PAGE_FAULT)
		explain_page_fault(f->error, cr2);
	if (v == EXC_DOUBLE_FAULT)
		explain_double_fault(cr2);

	kprintf("  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx);
	kprintf("  rdx 0x%016llx  rsi 0x%016llx  rdi 0x%016llx\n", (unsigned long long)f->rdx,
		(unsigned long long)f->rsi, (unsigned long long)f->rdi);
	kprintf("  rbp 0x%016llx  r8  0x%016llx  r9  0x%016llx\n", (unsigned long long)f->rbp,
		(unsigned long long)f->r8, (unsigned long long)f->r9);
	kprintf("  r10 0x%016llx  r11 0x%016llx  r12 0x%016llx\n", (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	kprintf("  r13 0x%016llx  r14 0x%016llx  r15 0x%016llx\n", (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15);

	panic_backtrace(f->rip, f->rbp);
	uintptr_t off;
	if (!symbol_lookup(f->rip, &off))
		panic_print_stack_top(f->rsp);
}

void exception_report(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;

	panic_enter();
	struct cpu *c = x86_this_cpu_or_null();
	kprintf("\nPANIC: CPU exception %s (%s) on cpu %u\n", exception_names[v][0],
		exception_names[v][1], c ? c->id : 0);
	print_state(f);
	panic_finish();
}

/* int3 is a trap: the saved RIP is already past the instruction, so
 * returning resumes the program where it left off. */
void exception_breakpoint(struct trap_frame *f)
{
	struct cpu *c = x86_this_cpu_or_null();
	kprintf("\nbreakpoint: CPU exception #BP (breakpoint) on cpu %u\n", c ? c->id : 0);
	print_state(f);
	kprintf("breakpoint: resuming at the next instruction\n");
}
