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
#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/pending.h"
#include "kernel/string.h"
#include "kernel/xcall.h"

void board_interrupts_declare(void)
{
#define DECLARE_SLOT(e, name, vector, bit, isa, cpu) loop_declare_interrupt(bit, name);
	BOARD_INTERRUPTS(DECLARE_SLOT)
#undef DECLARE_SLOT
}

void board_choose_apic_mode(const struct platform *p)
{
	unsigned high, x2_entries;
	bool wanted = platform_wants_x2apic(p, &high, &x2_entries);

	if (lapic_x2apic_left_on()) {
		lapic_use_x2apic();
		log_info("lapic: x2APIC mode (the firmware left it on)");
		return;
	}
	char value[8];
	if (cmdline_value("x2apic", value, sizeof(value))) {
		if (strcmp(value, "on") != 0) {
			log_warn("options: x2apic=%s is not on", value);
		} else if (!lapic_x2apic_supported()) {
			log_warn("options: x2apic=on: this CPU has no x2APIC; xAPIC mode");
		} else {
			lapic_use_x2apic();
			log_info("lapic: x2APIC mode (x2apic=on)");
			return;
		}
	}
	if (!wanted)
		return;
	if (!lapic_x2apic_supported()) {
		log_warn(
			"lapic: the platform lists %u cpu%s with APIC ids above 254 and %u by x2APIC "
			"entries, but this CPU has no x2APIC: xAPIC mode, and those with ids above "
			"254 are not started",
			high, high == 1 ? "" : "s", x2_entries);
		return;
	}
	lapic_use_x2apic();
	log_info(
		"lapic: x2APIC mode: the platform lists %u cpu%s with APIC ids above 254 and %u by "
		"x2APIC entries",
		high, high == 1 ? "" : "s", x2_entries);
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
#define FIND_VECTOR(e, name, vector, bit, isa, cpu) \
	if ((isa) == isa_irq)                       \
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
#define CHECK_ROW(e, name, vector, bit, isa, cpu)            \
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
		/* Debug level: the MADT's or the MP table's line said it. */
		log_debug("ioapic: id %u at 0x%x, GSI %u-%u, all masked", io->id, io->address,
			  io->gsi_base, io->gsi_base + n - 1);
	}
}

/* Program ISA `isa_irq`'s entry, masked, for `vector` on APIC `apic_id`. */
static uint32_t route_to(int isa_irq, uint8_t vector, uint8_t apic_id)
{
	struct isa_route r;
	if (!platform_isa_route(&board_platform, (unsigned)isa_irq, &r))
		panic("board: ISA IRQ %d cannot be routed (see the acpi: lines above)", isa_irq);
	if (!ioapic_route(r.gsi, vector, apic_id, r.active_low, r.level))
		panic("board: no IOAPIC serves GSI %u (ISA IRQ %d)", r.gsi, isa_irq);
	log_info("irq: ISA IRQ %d -> GSI %u (%s, %s) -> vector 0x%x on APIC %u", isa_irq, r.gsi,
		 r.level ? "level" : "edge", r.active_low ? "active low" : "active high", vector,
		 apic_id);
	return r.gsi;
}

uint32_t board_route_isa_irq(int isa_irq, uint8_t vector)
{
	return route_to(isa_irq, vector, boot_apic_id);
}

/* ISA IRQs of the table's rows that their wiring routed, or said are
 * absent: board_interrupts_verify() wants every row's. */
static uint32_t isa_settled;
/* Of those, the ones routed (a device is there). */
static uint32_t isa_routed;

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
	if (isa_irq < 32)
		isa_routed |= UINT32_C(1) << isa_irq;
}

void board_isa_irq_absent(int isa_irq)
{
	settle(isa_irq);
}

void board_interrupts_verify(void)
{
	static const struct {
		const char *name;
		int isa;
	} rows[] = {
#define ROW_ISA(e, name, vector, bit, isa, cpu) { name, isa },
		BOARD_INTERRUPTS(ROW_ISA)
#undef ROW_ISA
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int isa = rows[i].isa;
		if (isa >= 0 && isa < 32 && !(isa_settled >> isa & 1))
			panic("board: interrupt row %s (ISA IRQ %d) was never routed: its wiring "
			      "must call board_enable_isa_irq(), or board_isa_irq_absent() when the "
			      "device is missing",
			      rows[i].name, isa);
	}
}

/*
 * The CPU column (docs/smp.md, "Interrupts on any CPU").
 *
 * A row's interrupt is delivered to its CPU; its capsule stays on the boot
 * CPU's loop, which owns the capsule's state (the console, the shell and
 * everything they reach), and the CPU the interrupt arrives on hands each
 * knock over with xcall_handover(). The rows go to the boot CPU first
 * (the other CPUs start after the wiring) and move once they are online.
 */
struct irq_row {
	const char *name;
	unsigned bit;
	uint8_t vector;
	int isa;
	int cpu;
};

static struct irq_row irq_rows[] = {
#define IRQ_ROW(e, name, vector, bit, isa, cpu) { name, bit, vector, isa, cpu },
	BOARD_INTERRUPTS(IRQ_ROW)
#undef IRQ_ROW
};

#define IRQ_ROW_COUNT (sizeof(irq_rows) / sizeof(irq_rows[0]))

static struct irq_row *irq_row_named(const char *name, size_t len)
{
	for (unsigned i = 0; i < IRQ_ROW_COUNT; i++)
		if (strlen(irq_rows[i].name) == len && !strncmp(irq_rows[i].name, name, len))
			return &irq_rows[i];
	return NULL;
}

/* One `source:cpu` of irqcpu=; a bad one is reported and left out. */
static void irq_cpu_option(const char *item, size_t len)
{
	const char *colon = item;
	while (colon < item + len && *colon != ':')
		colon++;
	if (colon == item + len || colon == item || colon + 1 == item + len) {
		log_warn("options: irqcpu: '%.*s' is not <source>:<cpu>", (int)len, item);
		return;
	}
	struct irq_row *row = irq_row_named(item, (size_t)(colon - item));
	if (!row) {
		char names[64];
		size_t used = 0;
		names[0] = '\0';
		for (unsigned i = 0; i < IRQ_ROW_COUNT; i++)
			if (irq_rows[i].isa >= 0 && used < sizeof(names))
				used += (size_t)ksnprintf(names + used, sizeof(names) - used,
							  "%s%s", used ? ", " : "",
							  irq_rows[i].name);
		log_warn("options: irqcpu: no interrupt source '%.*s' (%s)", (int)(colon - item),
			 item, names);
		return;
	}
	unsigned cpu = 0;
	bool digits = true;
	for (const char *c = colon + 1; c < item + len && digits; c++) {
		digits = *c >= '0' && *c <= '9' && cpu < CPU_MAX;
		cpu = cpu * 10 + (unsigned)(*c - '0');
	}
	if (!digits || cpu >= CPU_MAX) {
		log_warn("options: irqcpu: '%.*s': the cpu must be a number below %u", (int)len,
			 item, CPU_MAX);
		return;
	}
	if (row->isa < 0) {
		log_warn("options: irqcpu: %s is local to each cpu: it cannot be moved", row->name);
		return;
	}
	row->cpu = (int)cpu;
}

void board_irq_cpus_load(void)
{
	char value[128];
	bool given = cmdline_value("irqcpu", value, sizeof(value));

	if (given) {
		const char *item = value;
		for (;;) {
			const char *end = item;
			while (*end && *end != ',')
				end++;
			if (end > item)
				irq_cpu_option(item, (size_t)(end - item));
			if (!*end)
				break;
			item = end + 1;
		}
	}
	bool moved = false;
	for (unsigned i = 0; i < IRQ_ROW_COUNT; i++)
		if (irq_rows[i].isa >= 0 && irq_rows[i].cpu > 0)
			moved = true;
	if (moved && board_irq_routing == BOARD_ROUTING_8259) {
		log_info("irq: the 8259s deliver only to the boot cpu: every source stays on cpu 0 "
			 "(the table's cpu column and irqcpu= are ignored)");
		for (unsigned i = 0; i < IRQ_ROW_COUNT; i++)
			if (irq_rows[i].isa >= 0)
				irq_rows[i].cpu = 0;
	}
}

static bool isa_is_routed(int isa)
{
	return isa >= 0 && isa < 32 && (isa_routed >> isa & 1);
}

void board_irq_cpus_wire_ap(unsigned cpu)
{
	for (unsigned i = 0; i < IRQ_ROW_COUNT; i++) {
		const struct irq_row *row = &irq_rows[i];
		if (row->cpu == (int)cpu && isa_is_routed(row->isa))
			xcall_handover(row->bit, 0);
	}
}

void board_irq_cpus_route(void)
{
	for (unsigned i = 0; i < IRQ_ROW_COUNT; i++) {
		struct irq_row *row = &irq_rows[i];
		if (row->isa < 0 || row->cpu <= 0)
			continue;
		unsigned cpu = (unsigned)row->cpu;
		if (!isa_is_routed(row->isa)) {
			log_info("irq: %s has no device: nothing to route to cpu %u", row->name,
				 cpu);
			row->cpu = 0;
			continue;
		}
		struct cpu *c = arch_cpu(cpu);
		if (!c || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_ONLINE) {
			log_warn("irq: %s stays on cpu 0: cpu %u is not online", row->name, cpu);
			row->cpu = 0;
			continue;
		}
		if (c->hw_id > 254) {
			log_warn(
				"irq: %s stays on cpu 0: cpu %u's APIC id %u is beyond the IOAPIC's "
				"8-bit destination",
				row->name, cpu, c->hw_id);
			row->cpu = 0;
			continue;
		}
		if (loop_handover_owner(cpu, row->bit) != 0)
			panic("irq: cpu %u does not hand %s over to cpu 0", cpu, row->name);
		uint32_t gsi = route_to(row->isa, row->vector, (uint8_t)c->hw_id);
		ioapic_set_masked(gsi, false);
		/* An edge that came while the entry was masked was lost, and an
		 * edge-triggered device whose condition stays raised sends no
		 * other: one service from the owner's loop clears it. */
		pending_set(arch_this_cpu(), row->bit);
		log_info("irq: %s -> cpu %u; its capsule stays on cpu 0, which cpu %u hands each "
			 "knock to",
			 row->name, cpu, cpu);
	}
}
