/*
 * Ring 3 on x86_64 (see user_mode.h and docs/processes.md).
 *
 * Page tables: each slot has its own PML4, a copy of the kernel's (the
 * identity map at entry 0 and the high alias at 511 stay shared and
 * supervisor-only), plus entry 1 (0x8000000000, PROCESS_USER_BASE) ->
 * the slot's PDPT -> PD -> one page table that maps the region's pages
 * the process may touch, with U/S=1 and each page's rights.
 *
 * The user IDT: every gate leads to user_stub_N (vectors below 48) or
 * user_irq_entry (user_entry.asm), which save the process and return to
 * the loop, except the device rows' vectors, which get their user top
 * halves (tools/gen_top_halves.py: the knock, then back to the loop).
 * The double fault keeps the kernel's stub and its IST stack; the NMI has
 * a gate of its own on an IST stack of its own (user_nmi_entry), since it
 * can come while this IDT is loaded and the CPU is still in ring 0. The
 * breakpoint gate has DPL 3, so an `int3` in a process is reported as a
 * breakpoint rather than as a general protection fault.
 *
 * Spec: Intel SDM vol. 3A 4.5 (4-level paging), 4.6 (U/S, R/W, XD
 * rights), 5.8.8 (SYSCALL, STAR/LSTAR/FMASK), 6.14.1 (IDT gates).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/gdt.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/top_halves.h"
#include "chips/x86_64/trap_frame.h"
#include "chips/x86_64/user_mode.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/process.h"
#include "kernel/string.h"

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define EFER_SCE 1u
#define RFLAGS_TF (1u << 8)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_AC (1u << 18)
#define RFLAGS_NT (1u << 14)
#define RFLAGS_RESERVED (1u << 1)

/* CPUID.(EAX=7,ECX=0):EBX and the CR4 bits (SDM vol. 3A 4.6, 2.5). */
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CR0_EM (1ull << 2)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define PAGE 4096u

_Static_assert(offsetof(struct user_context, rax) == 112 &&
		       offsetof(struct user_context, rip) == 120 &&
		       offsetof(struct user_context, ss) == 152 &&
		       offsetof(struct user_context, cr3) == 160 &&
		       offsetof(struct user_context, cr2) == 168 &&
		       offsetof(struct user_context, vector) == 176 &&
		       offsetof(struct user_context, error) == 184,
	       "user_context.inc has these offsets: update both");
/* A trap from ring 3 aligns the new RSP down to 16 bytes before it pushes
 * the frame (Intel SDM vol. 3A 6.14.2): the frame's end must be aligned
 * already, or the frame would land 8 bytes off. */
_Static_assert(offsetof(struct user_context, cr3) % 16 == 0 && sizeof(struct user_context) == 192,
	       "the interrupt frame in struct user_context must end 16-aligned (and "
	       "user_context.inc has CTX_SIZE 192)");
_Static_assert(PROCESS_USER_BASE == 1ull << 39, "the user window is PML4 entry 1");

extern uint64_t boot_pml4[512];
extern uint32_t boot_nx_high; /* boot/entry32.asm: NX's bit as a PTE's high half, or 0 */
extern const uint64_t user_stub_table[VEC_PIC_END];
extern char user_irq_entry[], user_nmi_entry[];
/* build/top_halves.asm: each device row's top half for ring 3 (xAPIC). */
extern const struct top_half_entry user_top_half_table[];
extern const uint64_t user_top_half_count;
extern void user_syscall_entry(void);
enum user_stop user_run_slot(void *hw, unsigned slot, struct syscall_args *args);

/* For user_entry.asm: where TSS.RSP0 is, and the fast path's handler. */
uintptr_t user_tss_rsp0;
user_syscall_fn user_syscall_handler;
void *user_syscall_handler_ctx;

struct slot_tables {
	uint64_t pml4[512];
	uint64_t pdpt[512];
	uint64_t pd[512];
	uint64_t pt[512];
};

static struct slot_tables tables[USER_SLOTS] __attribute__((aligned(4096)));
/* Global for user_entry.asm's user_run_slot. */
struct user_context user_contexts[USER_SLOTS];

static struct idt_gate user_idt[256] __attribute__((aligned(16)));
/* The user IDT's NMI gate runs on this stack (user_entry.asm,
 * user_nmi_entry): an NMI may come while the user IDT is loaded but the
 * CPU is still in ring 0, where RSP may be inside a context or the
 * process's own stack. */
static uint8_t user_nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
/* lidt operands for user_entry.asm: the user IDT and the kernel's. */
struct descriptor_ptr user_idt_ptr;
struct descriptor_ptr kernel_idt_ptr;

static void set_gate(unsigned v, uintptr_t handler, uint8_t type)
{
	idt_gate_fill(&user_idt[v], handler, 0, type);
}

/* Until the processes capsule sets its handler: every call to the loop. */
static bool decline(void *ctx, const struct syscall_args *a, struct syscall_result *r)
{
	(void)ctx;
	(void)a;
	(void)r;
	return false;
}

/*
 * SMEP and SMAP, when the CPU has them: the kernel then faults on fetching
 * from a user page (a jump into process memory) and on reading or writing
 * one. knock reaches a process's memory only through the identity map
 * (supervisor pages; docs/processes.md), never through the user window,
 * so SMAP needs no stac/clac anywhere: there is no copy routine to open.
 * Every way into the kernel from ring 3 leaves RFLAGS.AC clear (FMASK for
 * `syscall`, RFLAGS = 2 on the trap paths in user_entry.asm), so a process
 * cannot switch SMAP off for the kernel by setting AC.
 */
static void protect_kernel(void)
{
	uint32_t a, b, c, d;
	uint64_t on = 0;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		on = ((b & CPUID7_EBX_SMEP) ? CR4_SMEP : 0) |
		     ((b & CPUID7_EBX_SMAP) ? CR4_SMAP : 0);
	}
	if (on)
		__asm__ volatile("mov %0, %%cr4" : : "r"(read_cr4() | on) : "memory");
	/* No floating point for processes: knock switches no x87/SSE state
	 * between them (docs/processes.md, "Floating point"). CR4.OSFXSR is
	 * clear, so SSE is an invalid opcode; CR0.EM makes x87 instructions a
	 * device-not-available fault (and MMX invalid), so a process that uses
	 * them faults instead of seeing another's registers. The kernel uses
	 * none (-mgeneral-regs-only). */
	__asm__ volatile("mov %0, %%cr0" : : "r"(read_cr0() | CR0_EM) : "memory");
	log_info("user mode: SMEP %s, SMAP %s", (on & CR4_SMEP) ? "on" : "not on this CPU",
		 (on & CR4_SMAP) ? "on" : "not on this CPU");
}

void user_mode_init(void)
{
	struct descriptor_ptr kidt;

	__asm__ volatile("sidt %0" : "=m"(kidt));
	kernel_idt_ptr = kidt;
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, v < VEC_PIC_END ? user_stub_table[v] : (uintptr_t)user_irq_entry,
			 GATE_INTERRUPT);
	/* A double fault is the kernel's: its stub, on its IST stack. */
	const struct idt_gate *kg = (const struct idt_gate *)kidt.base;
	user_idt[EXC_DOUBLE_FAULT] = kg[EXC_DOUBLE_FAULT];
	set_gate(EXC_BREAKPOINT, user_stub_table[EXC_BREAKPOINT], GATE_INTERRUPT_DPL3);
	/* The NMI on a stack of its own, wherever it lands (user_entry.asm).
	 * Processes run on CPU 0 only (user_tss_rsp0 below), so only its TSS
	 * needs the slot. */
	gdt_set_ist(0, IST_USER_NMI, (uintptr_t)&user_nmi_stack[sizeof(user_nmi_stack)]);
	idt_gate_fill(&user_idt[EXC_NMI], (uintptr_t)user_nmi_entry, IST_USER_NMI, GATE_INTERRUPT);
	/* The device rows knock from ring 3 with their own top halves (the bit,
	 * the EOI, back to the loop). In x2APIC mode the EOI is a WRMSR, which
	 * needs registers: those vectors keep the generic gate, which raises
	 * them again in kernel mode. */
	if (!lapic_x2apic())
		for (uint64_t i = 0; i < user_top_half_count; i++)
			set_gate((unsigned)user_top_half_table[i].vector,
				 user_top_half_table[i].entry, GATE_INTERRUPT);
	user_idt_ptr.limit = sizeof(user_idt) - 1;
	user_idt_ptr.base = (uintptr_t)user_idt;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret: SS = 0x18 + 8 = user data, CS = 0x18 + 16 = user code (RPL 3);
	 * syscall: CS = kernel code, SS = + 8 = kernel data. */
	wrmsr(MSR_STAR, ((uint64_t)(SEL_USER32 | 3) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)user_syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
	protect_kernel();
	/* Processes run on the boot CPU only (docs/processes.md). */
	user_tss_rsp0 = gdt_tss_rsp0(0);
	user_syscall_handler = decline;
}

/* The page-table entry for the user page at va, from what m allows there. */
static uint64_t pte_for(const struct process_memory *m, uint64_t va, uint64_t nx)
{
	uint64_t phys = (uintptr_t)m->kbase + (va - m->base);

	for (unsigned i = 0; i < m->nimage; i++) {
		const struct proc_range *r = &m->image[i];
		/* Segments share no page (the loader checks), so one decides. */
		if (va + PAGE > r->lo && va < r->hi)
			return phys | PTE_P | PTE_U | ((r->access & PROC_WRITE) ? PTE_W : 0) |
			       ((r->access & PROC_EXEC) ? 0 : nx);
	}
	if (va >= m->stack_lo && va < m->app_break)
		return phys | PTE_P | PTE_U | PTE_W | nx;
	return 0;
}

static void map(unsigned slot, const struct process_memory *m)
{
	struct slot_tables *t = &tables[slot];
	uint64_t nx = (uint64_t)boot_nx_high << 32;

	if (m->size > USER_REGION_MAX || m->base != PROCESS_USER_BASE)
		panic("user_mode: region of %lu bytes at %#lx cannot be mapped",
		      (unsigned long)m->size, (unsigned long)m->base);
	for (unsigned i = 0; i < 512; i++)
		t->pt[i] = i < m->size / PAGE ? pte_for(m, m->base + (uint64_t)i * PAGE, nx) : 0;
	/* Reload CR3 if these tables are live: the TLB may hold the old rights. */
	if ((read_cr3() & PTE_ADDR) == (uintptr_t)t->pml4)
		__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)t->pml4) : "memory");
}

static void set_entry(struct user_context *c, uint64_t pc, uint64_t sp, const uint64_t a[4])
{
	c->rip = pc;
	c->rsp = sp;
	c->rdi = a[0];
	c->rsi = a[1];
	c->rdx = a[2];
	c->rcx = a[3];
}

static void hil_load(void *hw, unsigned slot, const struct process_memory *m, uint64_t pc,
		     uint64_t sp, const uint64_t a[4])
{
	(void)hw;
	struct slot_tables *t = &tables[slot];
	struct user_context *c = &user_contexts[slot];

	memcpy(t->pml4, boot_pml4, sizeof(t->pml4));
	memset(t->pdpt, 0, sizeof(t->pdpt));
	memset(t->pd, 0, sizeof(t->pd));
	t->pml4[1] = (uintptr_t)t->pdpt | PTE_P | PTE_W | PTE_U;
	t->pdpt[0] = (uintptr_t)t->pd | PTE_P | PTE_W | PTE_U;
	t->pd[0] = (uintptr_t)t->pt | PTE_P | PTE_W | PTE_U;
	map(slot, m);
	memset(c, 0, sizeof(*c));
	c->cr3 = (uintptr_t)t->pml4;
	/* The frame `iretq` takes: every later value of these comes from the
	 * CPU itself (a trap's frame, or `syscall`'s R11 for RFLAGS). */
	c->cs = SEL_UCODE | 3;
	c->ss = SEL_UDATA | 3;
	c->rflags = RFLAGS_IF | RFLAGS_RESERVED;
	set_entry(c, pc, sp, a);
}

static void hil_remap(void *hw, unsigned slot, const struct process_memory *m)
{
	(void)hw;
	map(slot, m);
}

static void hil_fault(void *hw, unsigned slot, struct user_fault *fault)
{
	(void)hw;
	const struct user_context *c = &user_contexts[slot];
	fault->vector = c->vector;
	fault->name = exception_name((unsigned)c->vector);
	fault->error = c->error;
	fault->address = c->vector == 14 ? c->cr2 : 0;
	fault->pc = c->rip;
	fault->sp = c->rsp;
}

static void hil_set_syscall(void *hw, user_syscall_fn fn, void *ctx)
{
	(void)hw;
	user_syscall_handler_ctx = ctx;
	user_syscall_handler = fn ? fn : decline;
}

static void hil_set_return(void *hw, unsigned slot, const struct syscall_result *r)
{
	(void)hw;
	struct user_context *c = &user_contexts[slot];
	c->rax = r->variant;
	c->rdi = r->v[0];
	c->rsi = r->v[1];
	c->rdx = r->v[2];
}

/* The System V ABI's red zone: 128 bytes below RSP a leaf function may
 * use, which an upcall's frame must not overwrite. */
#define RED_ZONE 128

static void enter_upcall(struct user_context *c, uint64_t sp, uint64_t *k, const struct upcall *u)
{
	*k = c->rip;
	c->rip = u->fn;
	c->rsp = sp;
	c->rdi = u->arg[0];
	c->rsi = u->arg[1];
	c->rdx = u->arg[2];
	c->rcx = u->userdata;
}

/* The return address's place when it is not in the stack proper (a
 * process that moved its stack into its data or heap): the full check. */
static __attribute__((noinline)) bool upcall_elsewhere(struct user_context *c,
						       const struct process_memory *m, uint64_t sp,
						       const struct upcall *u)
{
	uint64_t *k = sp ? process_memory_word(m, sp) : NULL;

	if (!k)
		return false;
	enter_upcall(c, sp, k, u);
	return true;
}

static bool hil_upcall(void *hw, unsigned slot, const struct process_memory *m,
		       const struct upcall *u)
{
	(void)hw;
	struct user_context *c = &user_contexts[slot];
	uint64_t sp = process_memory_call_sp(c->rsp, RED_ZONE);

	/* The usual case here, with no call (process_memory_word()'s first
	 * test, which a 0 from process_memory_call_sp() fails too). */
	if (sp < m->stack_lo || sp > m->stack_hi - 8)
		return upcall_elsewhere(c, m, sp, u);
	enter_upcall(c, sp, (uint64_t *)(void *)(m->kbase + (sp - m->base)), u);
	return true;
}

static uint64_t hil_pc(void *hw, unsigned slot)
{
	(void)hw;
	return user_contexts[slot].rip;
}

static uint64_t hil_sp(void *hw, unsigned slot)
{
	(void)hw;
	return user_contexts[slot].rsp;
}

static size_t hil_dump(void *hw, unsigned slot, char *buf, size_t cap)
{
	(void)hw;
	const struct user_context *c = &user_contexts[slot];
	int n = ksnprintf(buf, cap,
			  "  rip %016lx  rsp %016lx  rflags %08lx\n"
			  "  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n"
			  "  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n"
			  "  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n"
			  "  r13 %016lx  r14 %016lx  r15 %016lx\n",
			  (unsigned long)c->rip, (unsigned long)c->rsp, (unsigned long)c->rflags,
			  (unsigned long)c->rax, (unsigned long)c->rbx, (unsigned long)c->rcx,
			  (unsigned long)c->rdx, (unsigned long)c->rsi, (unsigned long)c->rdi,
			  (unsigned long)c->rbp, (unsigned long)c->r8, (unsigned long)c->r9,
			  (unsigned long)c->r10, (unsigned long)c->r11, (unsigned long)c->r12,
			  (unsigned long)c->r13, (unsigned long)c->r14, (unsigned long)c->r15);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static const struct hil_user hil = {
	.hw = NULL,
	.slots = USER_SLOTS,
	.load = hil_load,
	.remap = hil_remap,
	.run = user_run_slot, /* user_entry.asm: straight into user_run */
	.fault = hil_fault,
	.set_syscall = hil_set_syscall,
	.set_return = hil_set_return,
	.upcall = hil_upcall,
	.pc = hil_pc,
	.sp = hil_sp,
	.dump = hil_dump,
};

const struct hil_user *user_mode_hil(void)
{
	return &hil;
}
