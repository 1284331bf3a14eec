/*
 * MSI and MSI-X messages on x86: where a PCI function writes to interrupt
 * a CPU. The address selects the LAPIC (0xfee00000 with the destination
 * APIC id in bits 12-19, physical mode, no redirection hint); the data is
 * the vector, fixed delivery, edge triggered.
 *
 * Spec: Intel SDM vol. 3A 11.11.1 (message address register format),
 * 11.11.2 (message data register format).
 */
#ifndef KNOCK_CHIPS_MSI_H
#define KNOCK_CHIPS_MSI_H

#include <stdint.h>

#define MSI_ADDRESS_BASE 0xfee00000u

static inline uint64_t msi_lapic_address(uint8_t apic_id)
{
	return MSI_ADDRESS_BASE | (uint32_t)apic_id << 12;
}

static inline uint32_t msi_lapic_data(uint8_t vector)
{
	return vector; /* delivery mode 000 fixed, level bit 14 0, trigger bit 15 0: edge */
}

#endif
