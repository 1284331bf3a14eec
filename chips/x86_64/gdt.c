/*
 * The GDT a 64-bit kernel still needs: a code and a data segment (the same
 * selectors as the boot GDT in boot/entry32.asm), the user (ring 3) data
 * and code segments processes run in, and a TSS. The TSS has two jobs:
 * the interrupt stack table (the double fault runs on IST1, a stack of its
 * own, so a kernel stack overflow still gets a report) and RSP0, the stack
 * the CPU switches to when an interrupt or exception arrives in ring 3:
 * each CPU's small trap stack, on which the user-mode entry stubs
 * (chips/x86_64/user_entry.asm) save the process's registers and leave.
 *
 * The user segments sit in the order `sysret` requires: it loads SS from
 * STAR[63:48] + 8 and CS from STAR[63:48] + 16, so user data comes right
 * before user code, with the (unused) 32-bit user code slot before both.
 *
 * Spec: Intel SDM vol. 3A 3.4.5 (segment descriptors), 7.2.3 (TSS descriptor
 * in 64-bit mode), 7.7 (64-bit TSS), 6.14.5 (interrupt stack table).
 */
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/gdt.h"
#include "kernel/cpu.h"
#include "kernel/string.h"

#define MAX_CPUS_GDT CPU_MAX

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

struct cpu_tables {
	uint64_t gdt[8]; /* null, kcode, kdata, user32 (null), udata, ucode, TSS (two slots) */
	struct tss64 tss;
} __attribute__((aligned(16)));

static struct cpu_tables tables[MAX_CPUS_GDT];
static uint8_t trap_stacks[MAX_CPUS_GDT][TRAP_STACK_SIZE] __attribute__((aligned(16)));

#define GDT_KCODE64 0x00209a0000000000ull
#define GDT_KDATA 0x0000920000000000ull
#define GDT_UDATA 0x0000f20000000000ull   /* DPL 3 */
#define GDT_UCODE64 0x0020fa0000000000ull /* DPL 3, L=1 */
#define TSS_TYPE_AVAILABLE 0x9ull
#define DESC_PRESENT (1ull << 47)

uintptr_t gdt_tss_rsp0(unsigned cpu)
{
	/* Not &tss.rsp[0]: a pointer into a packed struct (and the field is
	 * 4 bytes off an 8-byte boundary, as the TSS's layout has it). */
	return (uintptr_t)&tables[cpu % MAX_CPUS_GDT].tss + offsetof(struct tss64, rsp);
}

void gdt_set_ist(unsigned cpu, unsigned ist, uintptr_t top)
{
	tables[cpu % MAX_CPUS_GDT].tss.ist[(ist - 1) & 7] = top;
}

void gdt_load_for_cpu(unsigned cpu, uintptr_t ist_df_top)
{
	struct cpu_tables *t = &tables[cpu % MAX_CPUS_GDT];
	memset(t, 0, sizeof(*t));
	t->tss.ist[IST_DOUBLE_FAULT - 1] = ist_df_top;
	t->tss.rsp[0] = (uintptr_t)&trap_stacks[cpu % MAX_CPUS_GDT][TRAP_STACK_SIZE];
	t->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */

	uint64_t base = (uintptr_t)&t->tss;
	uint64_t limit = sizeof(struct tss64) - 1;
	t->gdt[1] = GDT_KCODE64;
	t->gdt[2] = GDT_KDATA;
	t->gdt[SEL_UDATA / 8] = GDT_UDATA;
	t->gdt[SEL_UCODE / 8] = GDT_UCODE64;
	t->gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (TSS_TYPE_AVAILABLE << 40) | DESC_PRESENT |
			      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[SEL_TSS / 8 + 1] = base >> 32;

	struct descriptor_ptr p = { sizeof(t->gdt) - 1, (uintptr_t)t->gdt };
	lgdt(&p);
	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ds\n\t"
			 "movw %w1, %%es\n\t"
			 "movw %w1, %%ss\n\t"
			 :
			 : "i"(SEL_KCODE), "r"(SEL_KDATA)
			 : "rax", "memory");
	ltr(SEL_TSS);
}
