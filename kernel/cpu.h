/*
 * The per-CPU block. Each CPU reaches its own through arch_this_cpu().
 *
 * `pending` must stay the first field: device top halves are generated asm
 * that sets a bit with `lock bts qword [gs:0], bit`, and the layout test in
 * tests/unit checks the offset.
 *
 * `irq_stamp` is written by asm too: the timestamped top halves (boot
 * option stubs=stamped, tools/gen_top_halves.py) store the TSC at entry in
 * irq_stamp[bit] before they set the bit. The generator reads
 * CPU_IRQ_STAMP_OFFSET and CPU_IRQ_STAMPS from this file; the static
 * assert below keeps the offset honest when fields are added before it.
 */
#ifndef KNOCK_KERNEL_CPU_H
#define KNOCK_KERNEL_CPU_H

#include <stddef.h>
#include <stdint.h>

#define CPU_PENDING_OFFSET 0

/* CPUs knock supports; ids are 0 (the boot CPU) to CPU_MAX - 1. */
#define CPU_MAX 64

enum cpu_state {
	CPU_ABSENT = 0, /* no such CPU, or not started */
	CPU_STARTING,   /* sent INIT-SIPI-SIPI, not yet in its loop */
	CPU_ONLINE,     /* running its loop */
	CPU_FAILED,     /* did not answer its start-up IPIs in time */
};
/* Device bits 0 .. CPU_IRQ_STAMPS-1 can be timestamped (the lab image's
 * stamped top halves, docs/lab.md). */
#define CPU_IRQ_STAMPS 16
#define CPU_IRQ_STAMP_OFFSET 560

struct cpu {
	uint64_t pending;       /* one bit per interrupt source and deferred call */
	struct cpu *self;       /* lets arch_this_cpu() read the block's address */
	uint32_t id;            /* small dense number, 0 = boot CPU */
	uint32_t handler_depth; /* >0 while an exception handler runs C */
	uint64_t rounds;        /* loop rounds that dispatched work, counted as each ends */
	uint64_t sleeps;        /* times the loop halted */
	uint64_t wakeups;       /* times the loop came back from a halt */
	/* Loop services per pending bit (PENDING_BITS of them): one increment
	 * in the dispatch, read by the stats capsule. */
	uint64_t serviced[64];
	/* TSC at the entry of the last interrupt of each device bit, written
	 * only by the stamped top halves (0: never stamped). */
	uint64_t irq_stamp[CPU_IRQ_STAMPS];
	/* SMP (docs/smp.md). `ipis` is at a fixed offset too (below). */
	uint32_t hw_id; /* the interrupt controller's id for this CPU (x86: APIC id) */
	uint32_t state; /* enum cpu_state, stored with release, loaded with acquire */
	uint64_t idle;  /* 1 from just before the loop's last check until it wakes */
	uint64_t ipis;  /* wake-up IPIs taken (counted by the wake-up IPI's top half) */
	/* The bit the loop called last: while a callback runs, its bit. One
	 * store per dispatch; the stall watchdog (kernel/watchdog.h) reads it
	 * from its tick to name a callback that does not return. */
	uint64_t running;
	/* Written only by the lab image's stamped top halves (boot option
	 * stubs=stamped), per device bit: interrupts entered; how many of them
	 * found their bit already set (`lock bts` left the carry flag set:
	 * coalesced, counted where it happens, not derived from other
	 * counters); and the TSC of the entry that last set the bit (the
	 * first interrupt of the next service). */
	uint64_t irq_entered[CPU_IRQ_STAMPS];
	uint64_t irq_found_set[CPU_IRQ_STAMPS];
	uint64_t irq_first[CPU_IRQ_STAMPS];
	/* Processes (docs/processes.md), written by the chip's user-mode entry
	 * and exit paths at the fixed offsets below: the saved registers of
	 * the process this CPU runs, the loop's stack pointer while it runs,
	 * and a scratch word for the process's stack pointer on `syscall`. */
	uint64_t user_context;
	uint64_t kernel_rsp;
	uint64_t user_rsp;
	/* Times the loop's idle work (running processes) did something: the
	 * stall watchdog counts them as progress, like rounds and sleeps. */
	uint64_t idle_work;
	/* Where a system call the chip's fast path did not answer leaves its
	 * arguments (the user_run() argument; chips/x86_64/user_entry.asm). */
	uint64_t user_args;
	/* Lab, stamped top halves: irq_first as it was before the entry that
	 * last set the bit wrote it. The loop may take the bit and an
	 * interrupt set it again before the client reads its stamps; the
	 * first of that client's interrupts is then here, not in irq_first
	 * (kernel/lab/irq_stamps.c). At the end, so that the
	 * user-mode offsets above stay put. */
	uint64_t irq_first_prev[CPU_IRQ_STAMPS];
};

_Static_assert(offsetof(struct cpu, irq_stamp) == CPU_IRQ_STAMP_OFFSET,
	       "the stamped top halves store at CPU_IRQ_STAMP_OFFSET: update it");

/* The wake-up IPI's top half (chips/x86_64/wakeup_ipi.asm) increments
 * `ipis` at this offset. */
#define CPU_IPIS_OFFSET 704
_Static_assert(offsetof(struct cpu, ipis) == CPU_IPIS_OFFSET,
	       "the wake-up IPI's top half counts at CPU_IPIS_OFFSET: update it");

/* The stamped top halves count at these offsets (tools/gen_top_halves.py
 * reads them from here). */
#define CPU_IRQ_ENTERED_OFFSET 720
#define CPU_IRQ_FOUND_SET_OFFSET 848
#define CPU_IRQ_FIRST_OFFSET 976
#define CPU_IRQ_FIRST_PREV_OFFSET 1144
_Static_assert(offsetof(struct cpu, irq_entered) == CPU_IRQ_ENTERED_OFFSET &&
		       offsetof(struct cpu, irq_found_set) == CPU_IRQ_FOUND_SET_OFFSET &&
		       offsetof(struct cpu, irq_first) == CPU_IRQ_FIRST_OFFSET &&
		       offsetof(struct cpu, irq_first_prev) == CPU_IRQ_FIRST_PREV_OFFSET,
	       "the stamped top halves count at CPU_IRQ_*_OFFSET: update them");
#define CPU_USER_CONTEXT_OFFSET 1104
#define CPU_KERNEL_RSP_OFFSET 1112
#define CPU_USER_RSP_OFFSET 1120
#define CPU_USER_ARGS_OFFSET 1136
_Static_assert(offsetof(struct cpu, user_context) == CPU_USER_CONTEXT_OFFSET &&
		       offsetof(struct cpu, kernel_rsp) == CPU_KERNEL_RSP_OFFSET &&
		       offsetof(struct cpu, user_rsp) == CPU_USER_RSP_OFFSET &&
		       offsetof(struct cpu, user_args) == CPU_USER_ARGS_OFFSET,
	       "chips/x86_64/user_entry.asm uses these offsets: update both");

#endif
