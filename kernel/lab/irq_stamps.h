/*
 * What the lab's stamped top halves (tools/gen_top_halves.py, boot option
 * stubs=stamped) recorded for one device bit, read by the loop client
 * that serves it (board/pc/lab/design.c, knock_timed()).
 */
#ifndef KNOCK_KERNEL_LAB_IRQ_STAMPS_H
#define KNOCK_KERNEL_LAB_IRQ_STAMPS_H

#include <stdint.h>

#include "kernel/cpu.h"

struct irq_stamps {
	uint64_t entered; /* interrupts entered since boot (irq_entered) */
	uint64_t first;   /* TSC of the first interrupt of this service */
	uint64_t last;    /* TSC of the last interrupt entered (irq_stamp) */
};

/* Read on `cpu` itself, from the client of `bit` (bit < CPU_IRQ_STAMPS),
 * after the loop took the bit. If an interrupt has set the bit again
 * since, it wrote its own stamp into irq_first (it is the next service's
 * first), and this service's first is the one it moved to
 * irq_first_prev. */
struct irq_stamps irq_stamps_read(const struct cpu *cpu, unsigned bit);

#endif
