/* The legacy 8259 PIC pair: remapped out of the exception range and fully
 * masked. knock routes interrupts through the IOAPIC; the 8259s then only
 * matter because they can still raise spurious IRQ7/IRQ15. On a PC with
 * no usable IOAPIC (no ACPI MADT, no MP table) they carry the ISA IRQs
 * instead, in Automatic EOI mode, through LINT0 of the boot CPU's local
 * APIC as ExtINT (docs/interrupts.md): ISA IRQ n arrives at vector
 * master_base + n (n < 8) or slave_base + n - 8. */
#ifndef KNOCK_CHIPS_PIC8259_H
#define KNOCK_CHIPS_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

void pic_remap_and_mask(uint8_t master_base, uint8_t slave_base);

/* Initialise both again, at the same bases, in Automatic EOI mode (no
 * handler owes an EOI); all IRQs masked. */
void pic_auto_eoi_mode(void);

/* Mask or unmask ISA IRQ `irq` (0-15); unmasking one of the slave's also
 * unmasks the cascade (IRQ2). Not for hot paths: a port write each. */
void pic_set_masked(unsigned irq, bool masked);

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
