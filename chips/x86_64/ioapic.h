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

/* Register an IOAPIC (from the MADT) and mask all its entries. Returns its
 * number of redirection entries, 0 if it could not be added. */
unsigned ioapic_add(uint8_t id, uintptr_t address, uint32_t gsi_base);

/* Program `gsi` (masked) for `vector` on APIC `dest`, with the polarity
 * and trigger mode given. Returns false if no IOAPIC serves the GSI. */
bool ioapic_route(uint32_t gsi, uint8_t vector, uint8_t dest_apic_id, bool active_low, bool level);
bool ioapic_set_masked(uint32_t gsi, bool masked);

/* The raw redirection entry, for tests and the `irqs` command. */
uint64_t ioapic_entry(uint32_t gsi);

#endif
