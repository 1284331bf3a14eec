/*
 * Per-CPU set-up. Each CPU's GS base points at its struct cpu, so the top
 * halves can set a pending bit with one `lock bts [gs:0]` and C reaches its
 * block with one load (arch_this_cpu()).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/gdt.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/percpu.h"
#include "kernel/arch.h"
#include "kernel/panic.h"

struct cpu cpu_blocks[MAX_CPUS];

static uint8_t df_stacks[MAX_CPUS][IST_STACK_SIZE] __attribute__((aligned(16)));

static void percpu_install(unsigned id)
{
	struct cpu *c = &cpu_blocks[id];
	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void x86_boot_cpu_init(void)
{
	percpu_install(0);
	uintptr_t df_top = (uintptr_t)&df_stacks[0][IST_STACK_SIZE];
	gdt_load_for_cpu(0, df_top);
	idt_init();
	panic_add_stack((uintptr_t)kernel_stack_bottom, (uintptr_t)kernel_stack_top);
	panic_add_stack((uintptr_t)df_stacks[0], df_top);
}

struct cpu *x86_this_cpu_or_null(void)
{
	return rdmsr(MSR_GS_BASE) ? arch_this_cpu() : 0;
}
