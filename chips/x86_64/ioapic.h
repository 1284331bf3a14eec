/*
 * IOAPICs: route a global system interrupt (GSI) to a vector on a CPU.
 * Every entry starts masked; a source is unmasked only when its capsule
 * asks for it.
 */
#ifndef KNOCK_CHIPS_IOAPIC_H
#define KNOCK_CHIPS_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MAX 4

/* The number of redirection entries of the IOAPIC at `address` (its
 * version register, bits 16-23, plus one), or 0 if it is not in the
 * uncached MMIO window or nothing answers there. The MADT and the MP table
 * give each IOAPIC's address but not its size. */
uint32_t ioapic_probe_entries(uint32_t address);

/* Register an IOAPIC (from the MADT) and mask all its entries. Returns its
 * number of redirection entries, 0 if it could not be added. */
unsigned ioapic_add(uint8_t id, uintptr_t address, uint32_t gsi_base);

/* Program `gsi` (masked) for `vector` on APIC `dest`, with the polarity
 * and trigger mode given. Returns false if no IOAPIC serves the GSI. */
bool ioapic_route(uint32_t gsi, uint8_t vector, uint8_t dest_apic_id, bool active_low, bool level);
bool ioapic_set_masked(uint32_t gsi, bool masked);

/*
 * One entry masked and unmasked in two MMIO stores, for a hot path (the
 * idle path masks the watchdog's tick around every sleep): the register
 * pair and the entry's low dword are looked up once. Valid while nobody
 * else reprograms the entry; use it with interrupts off, so that no
 * handler moves IOREGSEL between the two stores.
 */
#define IOAPIC_WINDOW_WORD 4 /* IOWIN is at IOREGSEL + 0x10 */
#define IOAPIC_RTE_MASKED (1u << 16)

struct ioapic_pin {
	volatile uint32_t *regsel; /* IOREGSEL; IOWIN is regsel[IOAPIC_WINDOW_WORD] */
	uint32_t reg;              /* the entry's low dword register */
	uint32_t unmasked;         /* its value, mask bit clear */
};

bool ioapic_pin_get(uint32_t gsi, struct ioapic_pin *out);

static inline void ioapic_pin_set_masked(const struct ioapic_pin *pin, bool masked)
{
	pin->regsel[0] = pin->reg;
	pin->regsel[IOAPIC_WINDOW_WORD] = masked ? pin->unmasked | IOAPIC_RTE_MASKED :
						   pin->unmasked;
}

/* The raw redirection entry, for tests and the `irqs` command. */
uint64_t ioapic_entry(uint32_t gsi);

#endif
