/*
 * The local APIC (xAPIC, memory-mapped, or x2APIC, through MSRs): EOI,
 * spurious vector, the LVT timer in one-shot mode, and IPIs (for SMP).
 */
#ifndef KNOCK_CHIPS_LAPIC_H
#define KNOCK_CHIPS_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* The generated top halves write EOI at this address's high alias, so the
 * LAPIC must be at the architectural default. lapic_init() checks it. */
#define LAPIC_DEFAULT_BASE 0xfee00000u

#define LAPIC_REG_ID 0x020
#define LAPIC_REG_VERSION 0x030
#define LAPIC_REG_TPR 0x080
#define LAPIC_REG_EOI 0x0b0
#define LAPIC_REG_SVR 0x0f0
#define LAPIC_REG_ISR0 0x100 /* in-service: 8 registers of 32 vectors, 0x10 apart */
#define LAPIC_REG_ESR 0x280
#define LAPIC_REG_ICR_LOW 0x300
#define LAPIC_REG_ICR_HIGH 0x310
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_REG_TIMER_INITIAL 0x380
#define LAPIC_REG_TIMER_CURRENT 0x390
#define LAPIC_REG_TIMER_DIVIDE 0x3e0

#define LAPIC_LVT_MASKED (1u << 16)

/* x2APIC (docs/smp.md, "x2APIC"): whether CPUID says this CPU has it;
 * whether the firmware left this CPU's LAPIC in x2APIC mode (then there
 * is no going back without disabling it); choose it for every CPU (the
 * boot CPU, before its lapic_init()); whether it was chosen. */
bool lapic_x2apic_supported(void);
bool lapic_x2apic_left_on(void);
void lapic_use_x2apic(void);
bool lapic_x2apic(void);

/* Enable this CPU's LAPIC (in x2APIC mode if chosen): base check, spurious vector, TPR 0, LINT0
 * masked (the 8259s are not used), LINT1 as NMI if `lint1_nmi`, error
 * vector masked. `timer_vector` is the LVT timer's vector (one-shot). */
void lapic_init(uintptr_t madt_base, uint8_t spurious_vector, uint8_t timer_vector, bool lint1_nmi);

/* LINT0 as ExtINT, unmasked ("virtual wire": the 8259s' INTR through this
 * LAPIC; the CPU then reads the vector from the 8259 itself). The boot
 * CPU only, when the 8259s carry the ISA IRQs (pic8259.h). The SDM: an
 * ExtINT LVT entry is always level triggered, whatever its trigger bit. */
void lapic_lint0_extint(void);

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
uint32_t lapic_id(void);

/* One-shot timer at divide-by-1; count 0 stops it. */
void lapic_timer_oneshot(uint32_t count);

/* Send `vector` to this CPU (ICR shorthand "self", fixed, edge): the
 * interrupt arrives as soon as interrupts are on. */
void lapic_self_ipi(uint8_t vector);

/*
 * Inter-processor interrupts. xAPIC: 8-bit APIC ids, 0xff is the
 * broadcast, so 0 to 254; each send waits until the previous IPI has left
 * (ICR delivery status idle) before writing the ICR, so a send does not
 * wait for its own delivery; lapic_wait_icr_idle() does. x2APIC: 32-bit
 * ids and no delivery status: a send never waits. All return false if the
 * ICR stayed busy for the whole bounded wait; an id the mode cannot reach
 * (lapic_can_reach()) panics: callers check first.
 */
bool lapic_can_reach(uint32_t apic_id);
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_startup(uint32_t apic_id, uint8_t page); /* starts at page * 4 KiB */
bool lapic_send_fixed(uint32_t apic_id, uint8_t vector);
/* The same from an interrupt handler (another send may be under way). */
bool lapic_send_fixed_nested(uint32_t apic_id, uint8_t vector);
bool lapic_wait_icr_idle(void);
/* An NMI (panic: stop that CPU). */
bool lapic_send_nmi(uint32_t apic_id);

#endif
