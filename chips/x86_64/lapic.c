/*
 * Local APIC, in xAPIC mode (32-bit MMIO registers at 16-byte strides,
 * mapped uncached by the early page tables) or in x2APIC mode (the same
 * registers as MSRs 0x800 + offset / 16, 32-bit APIC ids, and the ICR as
 * one 64-bit MSR, 0x830, destination in bits 63:32 and no delivery-status
 * bit). Every CPU uses the mode the boot CPU chose (lapic_use_x2apic()).
 *
 * Spec: Intel SDM vol. 3A chapter 11 (APIC): 11.4 (local APIC base and
 * enabling), 11.5.1 (LVT), 11.6.1 (ICR), 11.8.5 (EOI), 11.9 (spurious
 * interrupt vector), 11.12 (x2APIC: 11.12.1 enabling with
 * IA32_APIC_BASE.EXTD, bit 10; 11.12.1.2 the MSR address map; 11.12.9 the
 * ICR in x2APIC mode); CPUID.01H:ECX bit 21 says x2APIC is there.
 */
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/lapic.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10) /* EXTD */
#define MSR_X2APIC_BASE 0x800u
#define MSR_X2APIC_ICR 0x830u /* both halves of the ICR, one 64-bit MSR */
#define CPUID1_ECX_X2APIC (1u << 21)
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
#define ICR_NMI (4u << 8)

static volatile uint32_t *const lapic = (volatile uint32_t *)(uintptr_t)LAPIC_DEFAULT_BASE;

/* Chosen once on the boot CPU, before any LAPIC is touched; each CPU's
 * lapic_init() then switches its own LAPIC to it. */
static bool x2apic_mode;

bool lapic_x2apic_supported(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return (c & CPUID1_ECX_X2APIC) != 0;
}

bool lapic_x2apic_left_on(void)
{
	return (rdmsr(MSR_APIC_BASE) & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) ==
	       (APIC_BASE_ENABLE | APIC_BASE_X2APIC);
}

void lapic_use_x2apic(void)
{
	x2apic_mode = true;
}

bool lapic_x2apic(void)
{
	return x2apic_mode;
}

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16);
	return lapic[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_BASE + reg / 16, value);
	else
		lapic[reg / 4] = value;
}

void lapic_lint0_extint(void)
{
	lapic_write(LAPIC_REG_LVT_LINT0, LVT_DELIVERY_EXTINT);
}

uint32_t lapic_id(void)
{
	/* x2APIC: all 32 bits; xAPIC: bits 31:24. */
	uint32_t id = lapic_read(LAPIC_REG_ID);
	return x2apic_mode ? id : id >> 24;
}

void lapic_init(uintptr_t madt_base, uint8_t spurious_vector, uint8_t timer_vector, bool lint1_nmi)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	uint64_t base = msr & APIC_BASE_ADDR_MASK;
	if (x2apic_mode) {
		/* xAPIC enabled to x2APIC is a legal step (EN and EXTD set
		 * together from the disabled state are too); the MMIO page is
		 * not used any more, wherever it is. */
		if ((msr & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) !=
		    (APIC_BASE_ENABLE | APIC_BASE_X2APIC))
			wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else {
		if (base != LAPIC_DEFAULT_BASE || (madt_base && madt_base != LAPIC_DEFAULT_BASE))
			panic("lapic: base is 0x%llx (MADT 0x%llx); knock's top halves need 0x%x",
			      (unsigned long long)base, (unsigned long long)madt_base,
			      LAPIC_DEFAULT_BASE);
		if (!(msr & APIC_BASE_ENABLE))
			wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	}

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

/* Write the ICR: the destination first in xAPIC mode (writing the low
 * half sends); one 64-bit MSR in x2APIC mode. No interrupt handler sends
 * IPIs (top halves only set bits), so nothing on this CPU can write the
 * ICR between the two xAPIC stores. */
static inline __attribute__((always_inline)) void icr_write(uint32_t dest, uint32_t low)
{
	if (x2apic_mode) {
		/* A WRMSR to the x2APIC registers is not serializing (SDM
		 * 11.12.3): without a fence, the IPI could overtake this CPU's
		 * earlier stores, such as the pending bit it knocks for. */
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | low);
		return;
	}
	lapic[LAPIC_REG_ICR_HIGH / 4] = dest << ICR_DEST_SHIFT;
	lapic[LAPIC_REG_ICR_LOW / 4] = low;
}

void lapic_self_ipi(uint8_t vector)
{
	icr_write(0, ICR_SHORTHAND_SELF | vector);
}

/* Inlined into send_ipi(): the wake-up IPI's way (ipi_wake_instructions)
 * pays no call for it. */
static inline __attribute__((always_inline)) bool icr_wait_idle(void)
{
	if (x2apic_mode)
		return true; /* no delivery status in x2APIC mode (SDM 11.12.9) */
	for (uint32_t i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(lapic[LAPIC_REG_ICR_LOW / 4] & ICR_SEND_PENDING)) /* xAPIC only */
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

bool lapic_wait_icr_idle(void)
{
	return icr_wait_idle();
}

static inline __attribute__((always_inline)) bool can_reach(uint32_t apic_id)
{
	/* xAPIC: 8-bit physical destinations, 0xff being the broadcast. */
	return x2apic_mode ? apic_id != 0xffffffffu : apic_id < 0xff;
}

bool lapic_can_reach(uint32_t apic_id)
{
	return can_reach(apic_id);
}

static __attribute__((noinline, cold, noreturn)) void cannot_reach(uint32_t apic_id)
{
	panic("lapic: APIC id %u cannot be sent an IPI in %s mode", apic_id,
	      x2apic_mode ? "x2APIC" : "xAPIC");
}

/* Inline in each sender: the wake-up IPI (lapic_send_fixed) is on the
 * way from one CPU's knock to another's client. */
static inline __attribute__((always_inline)) bool send_ipi(uint32_t apic_id, uint32_t command)
{
	if (!can_reach(apic_id))
		cannot_reach(apic_id);
	if (!icr_wait_idle())
		return false;
	icr_write(apic_id, command);
	return true;
}

bool lapic_send_init(uint32_t apic_id)
{
	return send_ipi(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

bool lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	return send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

bool lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	return send_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

/* From an interrupt handler, which may have landed between another
 * sender's two ICR writes (xAPIC: the destination, then the command that
 * sends): the destination is put back, so that sender's IPI still goes
 * where it meant. x2APIC's ICR is one write. */
bool lapic_send_fixed_nested(uint32_t apic_id, uint8_t vector)
{
	if (x2apic_mode)
		return lapic_send_fixed(apic_id, vector);
	uint32_t high = lapic_read(LAPIC_REG_ICR_HIGH);
	bool sent = lapic_send_fixed(apic_id, vector);
	lapic_write(LAPIC_REG_ICR_HIGH, high);
	return sent;
}

/* Sent from a panic, with interrupts off: nothing else on this CPU writes
 * the ICR meanwhile. */
bool lapic_send_nmi(uint32_t apic_id)
{
	return send_ipi(apic_id, ICR_NMI | ICR_ASSERT);
}
