/*
 * Local APIC in xAPIC mode. Its registers are 32-bit MMIO at 16-byte
 * strides, mapped uncached by the early page tables.
 *
 * Spec: Intel SDM vol. 3A chapter 11 (APIC): 11.4 (local APIC base and
 * enabling), 11.5.1 (LVT), 11.6.1 (ICR), 11.8.5 (EOI), 11.9 (spurious
 * interrupt vector).
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define SVR_APIC_ENABLE (1u << 8)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_DELIVERY_EXTINT (7u << 8)
#define TIMER_DIVIDE_BY_1 0xb
#define ICR_FIXED (0u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_SEND_PENDING (1u << 12) /* delivery status */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_DEST_SHIFT 24
/* Polls of the delivery status before giving up: far more than any APIC
 * needs (QEMU's is never busy; hardware takes well under a microsecond),
 * yet bounded, so a wedged APIC is reported instead of hanging. */
#define ICR_IDLE_POLLS 1000000u
#define ICR_SHORTHAND_SELF (1u << 18)

static volatile uint32_t *const lapic = (volatile uint32_t *)(uintptr_t)LAPIC_DEFAULT_BASE;

uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t value)
{
	lapic[reg / 4] = value;
}

void lapic_lint0_extint(void)
{
	lapic_write(LAPIC_REG_LVT_LINT0, LVT_DELIVERY_EXTINT);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_REG_ID) >> 24;
}

void lapic_init(uintptr_t madt_base, uint8_t spurious_vector, uint8_t timer_vector, bool lint1_nmi)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	uint64_t base = msr & APIC_BASE_ADDR_MASK;
	if (base != LAPIC_DEFAULT_BASE || (madt_base && madt_base != LAPIC_DEFAULT_BASE))
		panic("lapic: base is 0x%llx (MADT 0x%llx); knock's top halves need 0x%x",
		      (unsigned long long)base, (unsigned long long)madt_base, LAPIC_DEFAULT_BASE);
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);

	lapic_write(LAPIC_REG_TPR, 0);
	lapic_write(LAPIC_REG_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_REG_LVT_LINT1, lint1_nmi ? LVT_DELIVERY_NMI : LAPIC_LVT_MASKED);
	lapic_write(LAPIC_REG_LVT_ERROR, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	lapic_write(LAPIC_REG_TIMER_INITIAL, 0);
	lapic_write(LAPIC_REG_LVT_TIMER, timer_vector); /* one-shot, unmasked */
	lapic_write(LAPIC_REG_SVR, SVR_APIC_ENABLE | spurious_vector);
	/* Acknowledge anything left in service from before. */
	lapic_write(LAPIC_REG_EOI, 0);
}

void lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_REG_TIMER_INITIAL, count);
}

void lapic_self_ipi(uint8_t vector)
{
	lapic_write(LAPIC_REG_ICR_LOW, ICR_SHORTHAND_SELF | vector);
}

bool lapic_wait_icr_idle(void)
{
	for (uint32_t i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(lapic_read(LAPIC_REG_ICR_LOW) & ICR_SEND_PENDING))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/* The destination first: writing the low half sends. No interrupt handler
 * sends IPIs (top halves only set bits), so nothing on this CPU can write
 * the ICR between the two stores. */
static bool send_ipi(uint8_t apic_id, uint32_t command)
{
	if (!lapic_wait_icr_idle())
		return false;
	lapic_write(LAPIC_REG_ICR_HIGH, (uint32_t)apic_id << ICR_DEST_SHIFT);
	lapic_write(LAPIC_REG_ICR_LOW, command);
	return true;
}

bool lapic_send_init(uint8_t apic_id)
{
	return send_ipi(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

bool lapic_send_startup(uint8_t apic_id, uint8_t page)
{
	return send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

bool lapic_send_fixed(uint8_t apic_id, uint8_t vector)
{
	return send_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}
