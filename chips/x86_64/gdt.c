/*
 * The GDT a 64-bit kernel still needs: a code and a data segment (the same
 * selectors as the boot GDT in boot/entry32.asm) and a TSS, whose only job
 * in knock is the interrupt stack table. The double fault runs on IST1, a
 * stack of its own, so a kernel stack overflow still gets a report.
 *
 * Spec: Intel SDM vol. 3A 3.4.5 (segment descriptors), 7.2.3 (TSS descriptor
 * in 64-bit mode), 7.7 (64-bit TSS), 6.14.5 (interrupt stack table).
 */
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
	uint64_t gdt[5]; /* null, code, data, TSS (two slots) */
	struct tss64 tss;
} __attribute__((aligned(16)));

static struct cpu_tables tables[MAX_CPUS_GDT];

#define GDT_KCODE64 0x00209a0000000000ull
#define GDT_KDATA 0x0000920000000000ull
#define TSS_TYPE_AVAILABLE 0x9ull
#define DESC_PRESENT (1ull << 47)

void gdt_load_for_cpu(unsigned cpu, uintptr_t ist_df_top)
{
	struct cpu_tables *t = &tables[cpu % MAX_CPUS_GDT];
	memset(t, 0, sizeof(*t));
	t->tss.ist[IST_DOUBLE_FAULT - 1] = ist_df_top;
	t->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */

	uint64_t base = (uintptr_t)&t->tss;
	uint64_t limit = sizeof(struct tss64) - 1;
	t->gdt[1] = GDT_KCODE64;
	t->gdt[2] = GDT_KDATA;
	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (TSS_TYPE_AVAILABLE << 40) |
		    DESC_PRESENT | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;

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
