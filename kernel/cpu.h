/*
 * The per-CPU block. Each CPU reaches its own through arch_this_cpu().
 *
 * `pending` must stay the first field: device top halves are generated asm
 * that sets a bit with `lock bts qword [gs:0], bit`, and the layout test in
 * tests/unit checks the offset.
 */
#ifndef KNOCK_KERNEL_CPU_H
#define KNOCK_KERNEL_CPU_H

#include <stdint.h>

#define CPU_PENDING_OFFSET 0

struct cpu {
	uint64_t pending;       /* one bit per interrupt source and deferred call */
	struct cpu *self;       /* lets arch_this_cpu() read the block's address */
	uint32_t id;            /* small dense number, 0 = boot CPU */
	uint32_t handler_depth; /* >0 while an exception handler runs C */
	uint64_t rounds;        /* loop rounds that dispatched work */
	uint64_t sleeps;        /* times the loop halted */
	uint64_t wakeups;       /* times the loop came back from a halt */
};

#endif
