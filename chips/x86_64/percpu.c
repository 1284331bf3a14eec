/*
 * Per-CPU set-up. Each CPU's GS base points at its struct cpu, so the top
 * halves can set a pending bit with one `lock bts [gs:0]` and C reaches its
 * block with one load (arch_this_cpu()).
 *
 * CPU ids are dense: 0 is the boot CPU; the others get theirs from
 * x86_cpu_assign() as the boot CPU starts them (chips/x86_64/smp.c).
 *
 * Spec: Intel SDM vol. 3A 3.4.4 and vol. 4 (IA32_GS_BASE, MSR 0xc0000101).
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

/* Ids handed out so far (the boot CPU's included): arch_cpu() answers for
 * these. Read by any CPU, written by the boot CPU only. */
static unsigned cpu_ids_used = 1;

static void percpu_install(unsigned id)
{
	struct cpu *c = &cpu_blocks[id];
	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

static uintptr_t df_top(unsigned id)
{
	return (uintptr_t)&df_stacks[id][IST_STACK_SIZE];
}

void x86_boot_cpu_init(void)
{
	percpu_install(0);
	gdt_load_for_cpu(0, df_top(0));
	idt_init();
	panic_add_stack((uintptr_t)kernel_stack_bottom, (uintptr_t)kernel_stack_top);
	panic_add_stack((uintptr_t)df_stacks[0], df_top(0));
	/* Online from here: it runs, and knocks on itself are deferred calls. */
	__atomic_store_n(&cpu_blocks[0].state, CPU_ONLINE, __ATOMIC_RELEASE);
}

unsigned x86_cpu_assign(uint32_t hw_id)
{
	unsigned id = __atomic_load_n(&cpu_ids_used, __ATOMIC_RELAXED);
	if (id >= MAX_CPUS)
		return MAX_CPUS;
	struct cpu *c = &cpu_blocks[id];
	c->self = c;
	c->id = id;
	c->hw_id = hw_id;
	__atomic_store_n(&c->state, CPU_STARTING, __ATOMIC_RELAXED);
	panic_add_stack((uintptr_t)df_stacks[id], df_top(id));
	__atomic_store_n(&cpu_ids_used, id + 1, __ATOMIC_RELEASE);
	return id;
}

void x86_ap_cpu_init(unsigned id)
{
	percpu_install(id);
	gdt_load_for_cpu(id, df_top(id));
	idt_load();
}

struct cpu *arch_cpu(unsigned id)
{
	return id < __atomic_load_n(&cpu_ids_used, __ATOMIC_ACQUIRE) ? &cpu_blocks[id] : 0;
}

struct cpu *x86_this_cpu_or_null(void)
{
	return rdmsr(MSR_GS_BASE) ? arch_this_cpu() : 0;
}

unsigned arch_this_cpu_id_safe(void)
{
	const struct cpu *c = x86_this_cpu_or_null();
	return c ? c->id : 0;
}
