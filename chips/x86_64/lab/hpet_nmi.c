/* One HPET timer delivering periodic NMIs (hpet_nmi.h). */
#include "chips/x86_64/lab/hpet_nmi.h"

#include <stddef.h>

#include "chips/x86_64/msi.h"
#include "chips/x86_64/paging.h"

/* Registers, as 32-bit halves: QEMU and the specification allow 32-bit
 * accesses everywhere, and the 64-bit ones are then two. */
#define GCAP_ID 0x000      /* low: revision, timers, ...; high: period in fs */
#define GEN_CONF 0x010     /* bit 0: counting and interrupts on */
#define MAIN_COUNTER 0x0f0 /* 64 bits */
#define TIMER_CONF(n) (0x100 + 0x20 * (n))
#define TIMER_CMP(n) (0x108 + 0x20 * (n))
#define TIMER_FSB(n) (0x110 + 0x20 * (n)) /* low: data, high: address */

#define GEN_ENABLE 0x1u
#define GCAP_TIMERS(lo) ((((lo) >> 8) & 0x1fu) + 1)

#define TN_INT_ENABLE (1u << 2)
#define TN_VAL_SET (1u << 6)
#define TN_FSB_ENABLE (1u << 14)
#define TN_FSB_CAP (1u << 15)

#define MSI_DELIVERY_NMI (4u << 8)
#define FS_PER_NS 1000000u
#define HPET_MAX_PERIOD_FS 100000000u /* the specification's slowest counter: 10 MHz */

static volatile uint32_t *hpet;
static unsigned timer;
static uint32_t period_fs;

static uint32_t rd(uint32_t off)
{
	return hpet[off / 4];
}

static void wr(uint32_t off, uint32_t v)
{
	hpet[off / 4] = v;
}

bool hpet_nmi_probe(const char **why)
{
	if (!paging_map_mmio(HPET_NMI_BASE, 0x400)) {
		*why = "its registers cannot be mapped";
		return false;
	}
	hpet = (volatile uint32_t *)(uintptr_t)HPET_NMI_BASE;
	uint32_t lo = rd(GCAP_ID);
	period_fs = rd(GCAP_ID + 4);
	if (lo == 0 || lo == 0xffffffffu || period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS) {
		hpet = NULL;
		*why = "no HPET there";
		return false;
	}
	for (unsigned n = 0; n < GCAP_TIMERS(lo); n++) {
		uint32_t conf = rd(TIMER_CONF(n));
		if (conf & TN_FSB_CAP) {
			timer = n;
			return true;
		}
	}
	hpet = NULL;
	*why = "no timer delivers by FSB (QEMU: -global hpet.msi=on)";
	return false;
}

/* The next deadline, in counter ticks. */
static uint64_t deadline, period_ticks;

static void set_comparator(uint64_t at)
{
	uint32_t conf = rd(TIMER_CONF(timer)) | TN_INT_ENABLE;

	/* Low half first: QEMU re-arms at each half's write, and the high
	 * half only changes once in 42 s (at 100 MHz), so the deadline in
	 * between is the new one (high first would be the old low half: a
	 * deadline already past, an NMI at once). */
	wr(TIMER_CONF(timer), conf | TN_VAL_SET);
	wr(TIMER_CMP(timer), (uint32_t)at);
	wr(TIMER_CONF(timer), conf | TN_VAL_SET);
	wr(TIMER_CMP(timer) + 4, (uint32_t)(at >> 32));
}

void hpet_nmi_start(uint8_t apic_id, uint64_t period_ns)
{
	if (!hpet)
		return;
	period_ticks = period_ns * FS_PER_NS / period_fs;
	wr(GEN_CONF, rd(GEN_CONF) & ~GEN_ENABLE);
	wr(MAIN_COUNTER, 0);
	wr(MAIN_COUNTER + 4, 0);
	wr(TIMER_FSB(timer), MSI_DELIVERY_NMI); /* the vector is ignored for an NMI */
	wr(TIMER_FSB(timer) + 4, (uint32_t)msi_lapic_address(apic_id));
	wr(TIMER_CONF(timer), TN_FSB_ENABLE); /* one-shot, edge, off until the comparator is set */
	deadline = period_ticks;
	set_comparator(deadline);
	wr(GEN_CONF, rd(GEN_CONF) | GEN_ENABLE);
}

void hpet_nmi_next(void)
{
	if (!hpet)
		return;
	deadline += period_ticks;
	set_comparator(deadline);
}

void hpet_nmi_stop(void)
{
	if (hpet)
		wr(TIMER_CONF(timer), rd(TIMER_CONF(timer)) & ~TN_INT_ENABLE);
}
