/*
 * Interrupt set-up of the pc board: the LAPIC, the IOAPICs from the MADT
 * or the MP table (or, with neither, the 8259s), the generated top halves,
 * and one loop slot per row of the interrupt table (board/pc/interrupts.h).
 */
#include <stdint.h>

#include "board/pc/interrupts.h"
#include "board/pc/wire_acpi.h"
#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/mptable.h"
#include "chips/x86_64/pic8259.h"
#include "chips/x86_64/top_halves.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"

void board_interrupts_declare(void)
{
#define DECLARE_SLOT(e, name, vector, bit, isa) loop_declare_interrupt(bit, name);
	BOARD_INTERRUPTS(DECLARE_SLOT)
#undef DECLARE_SLOT
}

void board_interrupts_init_cpu(uintptr_t madt_lapic_base, int lint1_nmi)
{
	top_halves_install(VEC_LAPIC_SPURIOUS);
	lapic_init(madt_lapic_base, VEC_LAPIC_SPURIOUS, VEC_TIMER, lint1_nmi);
}

int board_isa_vector(int isa_irq)
{
	if (isa_irq < 0)
		return -1;
#define FIND_VECTOR(e, name, vector, bit, isa) \
	if ((isa) == isa_irq)                  \
		return vector;
	BOARD_INTERRUPTS(FIND_VECTOR)
#undef FIND_VECTOR
	return -1;
}

/* The boot CPU's APIC id: device interrupts go there unless a board
 * option says otherwise. */
static uint8_t boot_apic_id;

void board_interrupts_set_boot_apic(uint8_t apic_id)
{
	boot_apic_id = apic_id;
}

static bool routes_to_ioapic(const struct platform *p, int isa_irq, const char *source)
{
	struct isa_route r;
	if (!platform_isa_route(p, (unsigned)isa_irq, &r)) {
		log_warn("board: %s routes no ISA IRQ %d", source, isa_irq);
		return false;
	}
	if (!platform_ioapic_for_gsi(p, r.gsi)) {
		log_warn("board: %s routes ISA IRQ %d to GSI %u, which no IOAPIC serves", source,
			 isa_irq, r.gsi);
		return false;
	}
	return true;
}

bool board_platform_routes_isa(const struct platform *p, const char *source)
{
	bool ok = routes_to_ioapic(p, ISA_IRQ_PIT, source);
#define CHECK_ROW(e, name, vector, bit, isa)                 \
	if ((isa) >= 0 && !routes_to_ioapic(p, isa, source)) \
		ok = false;
	BOARD_INTERRUPTS(CHECK_ROW)
#undef CHECK_ROW
	return ok;
}

/* No IOAPIC: the 8259s in Automatic EOI mode, through LINT0 (pic8259.h). */
static void pics_init(void)
{
	pic_auto_eoi_mode();
	lapic_lint0_extint();
	log_info("irq: 8259s in automatic EOI mode through LINT0 (ExtINT): ISA IRQ n at "
		 "vector 0x%x + n",
		 VEC_PIC_BASE);
}

void board_ioapics_init(const struct platform *p)
{
	if (board_irq_routing == BOARD_ROUTING_8259) {
		pics_init();
		return;
	}
	if (board_irq_routing == BOARD_ROUTING_MPTABLE)
		mptable_imcr_to_apic(p);
	for (unsigned i = 0; i < p->ioapic_count; i++) {
		const struct platform_ioapic *io = &p->ioapics[i];
		unsigned n = ioapic_add(io->id, io->address, io->gsi_base);
		log_info("ioapic: id %u at 0x%x, GSI %u-%u, all masked", io->id, io->address,
			 io->gsi_base, io->gsi_base + n - 1);
	}
}

uint32_t board_route_isa_irq(int isa_irq, uint8_t vector)
{
	struct isa_route r;
	if (!platform_isa_route(&board_platform, (unsigned)isa_irq, &r))
		panic("board: ISA IRQ %d cannot be routed (see the acpi: lines above)", isa_irq);
	if (!ioapic_route(r.gsi, vector, boot_apic_id, r.active_low, r.level))
		panic("board: no IOAPIC serves GSI %u (ISA IRQ %d)", r.gsi, isa_irq);
	log_info("irq: ISA IRQ %d -> GSI %u (%s, %s) -> vector 0x%x on APIC %u", isa_irq, r.gsi,
		 r.level ? "level" : "edge", r.active_low ? "active low" : "active high", vector,
		 boot_apic_id);
	return r.gsi;
}

/* ISA IRQs of the table's rows that their wiring routed, or said are
 * absent: board_interrupts_verify() wants every row's. */
static uint32_t isa_settled;

static void settle(int isa_irq)
{
	if (isa_irq >= 0 && isa_irq < 32)
		isa_settled |= UINT32_C(1) << isa_irq;
}

/* The 8259 delivers ISA IRQ n at its base + n: the row's top half is put
 * there as well. */
static void enable_on_8259(int isa_irq, uint8_t vector)
{
	uint8_t at = (uint8_t)(VEC_PIC_BASE + isa_irq); /* the slave at base + 8 */
	if (!top_halves_alias(vector, at))
		panic("board: vector 0x%x has no top half for ISA IRQ %d", vector, isa_irq);
	pic_set_masked((unsigned)isa_irq, false);
	log_info("irq: ISA IRQ %d -> 8259 vector 0x%x (top half of vector 0x%x)", isa_irq, at,
		 vector);
}

void board_enable_isa_irq(int isa_irq)
{
	int vector = board_isa_vector(isa_irq);
	if (vector < 0)
		panic("board: ISA IRQ %d has no row in board/pc/interrupts.h", isa_irq);
	if (board_irq_routing == BOARD_ROUTING_8259)
		enable_on_8259(isa_irq, (uint8_t)vector);
	else
		ioapic_set_masked(board_route_isa_irq(isa_irq, (uint8_t)vector), false);
	settle(isa_irq);
}

void board_isa_irq_absent(int isa_irq)
{
	settle(isa_irq);
}

void board_interrupts_verify(void)
{
#define CHECK_ROUTED(e, name, vector, bit, isa)                                                       \
	if ((isa) >= 0 && !(isa_settled >> (isa)&1))                                                  \
		panic("board: interrupt row %s (ISA IRQ %d) was never routed: its wiring must call "  \
		      "board_enable_isa_irq(), or board_isa_irq_absent() when the device is missing", \
		      name, isa);
	BOARD_INTERRUPTS(CHECK_ROUTED)
#undef CHECK_ROUTED
}
