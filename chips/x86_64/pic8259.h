/* The legacy 8259 PIC pair: remapped out of the exception range and fully
 * masked. knock routes interrupts through the IOAPIC; the 8259s only matter
 * because they can still raise spurious IRQ7/IRQ15. */
#ifndef KNOCK_CHIPS_PIC8259_H
#define KNOCK_CHIPS_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

void pic_remap_and_mask(uint8_t master_base, uint8_t slave_base);

/* For a vector in the PIC range: true if it was spurious (counted, no EOI
 * owed); false if it was a real (unexpected, since all are masked) IRQ,
 * which this acknowledges. */
bool pic_handle_vector(unsigned vector);

struct pic_counters {
	uint64_t spurious_master; /* IRQ7 with ISR bit 7 clear */
	uint64_t spurious_slave;  /* IRQ15 with slave ISR bit 7 clear */
	uint64_t unexpected;      /* real IRQs despite the mask */
};
extern struct pic_counters pic_counters;

#endif
