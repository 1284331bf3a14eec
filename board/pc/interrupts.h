/*
 * The pc board's interrupt table: the ONE place that names each interrupt
 * source, its IDT vector, its pending bit and, for ISA devices, its IRQ.
 *
 * tools/gen_top_halves.py reads this table at build time and writes the
 * device top halves (build/top_halves.asm): for each row, three
 * instructions: set the bit in this CPU's pending word, EOI the LAPIC,
 * iretq. C code uses the same table through the X-macro below, so the two
 * can never disagree.
 *
 * Columns: ENUM name, source name, vector, pending bit, ISA IRQ (-1 if the
 * source is local to the CPU, like the LAPIC timer), CPU: the CPU the
 * IOAPIC delivers the interrupt to (-1 for a local source: every CPU has
 * its own). The boot option irqcpu=<source>:<cpu>,... overrides the CPU
 * column. Wherever the interrupt arrives, the capsule runs on the boot
 * CPU's loop, which owns it: another CPU hands each knock over
 * (xcall_handover(); docs/smp.md, "Interrupts on any CPU").
 *
 * Pending bits are numbered from 0 so devices are dispatched before
 * deferred calls (which take bits from 63 down). The lab image adds its
 * own rows after these (board/pc/lab/interrupts.h; the generator refuses
 * a vector, bit or name used twice).
 *
 * Adding a device with an interrupt (docs/capsules.md): one row here, the
 * device's chip and capsule files, and one wire_<device>.c whose
 * board_wire_<device>() is called from the list in board/pc/main.c.
 * A row without a client fails loop_verify() at boot, naming the row.
 */
#ifndef KNOCK_BOARD_PC_INTERRUPTS_H
#define KNOCK_BOARD_PC_INTERRUPTS_H

#include <stdbool.h>
#include <stdint.h>

#define BOARD_INTERRUPTS(X)                    \
	X(TIMER, "timer", 0x40, 0, -1, -1)     \
	X(KEYBOARD, "keyboard", 0x41, 1, 1, 0) \
	X(COM1, "com1", 0x42, 2, 4, 0)

/*
 * The MSI pool: rows like the ones above (a vector, a pending bit, a
 * generated three-instruction top half: the generator and the objdump test
 * read every X row of this file), that no device owns until a PCI driver's
 * wiring claims one with board_msi_claim() (board/pc/wire_msi.h). The
 * claim declares the row's loop slot, the driver's wiring gives it a
 * client, and loop_verify() checks it like every other bit. An unclaimed
 * row has no slot, and nothing is programmed to send its vector.
 * Six rows: the devices `make run` gives QEMU take four (virtio-rng one,
 * virtio-net two, a DISK= virtio-blk one), and two are spare. Bit 8 is the
 * lab's (board/pc/lab/interrupts.h), 9 and 10 the INTx lines'.
 */
#define BOARD_MSI_POOL(X)                   \
	X(MSIX0, "msix0", 0x50, 4, -1, -1)  \
	X(MSIX1, "msix1", 0x51, 5, -1, -1)  \
	X(MSIX2, "msix2", 0x52, 6, -1, -1)  \
	X(MSIX3, "msix3", 0x53, 7, -1, -1)  \
	X(MSIX4, "msix4", 0x54, 11, -1, -1) \
	X(MSIX5, "msix5", 0x55, 12, -1, -1)

/*
 * The level-triggered lines: a PCI function without MSI-X interrupts
 * through its INTx pin, which the chipset routes to one of the IRQs the
 * firmware hands out to PCI (SeaBIOS and OVMF: 10 and 11, on pc and q35;
 * QEMU's MADT marks them level). Columns: enum, name, vector, pending
 * bit, GSI. tools/gen_top_halves.py gives each row a top half of five
 * instructions: the knock, then the GSI's IOAPIC entry selected and
 * masked, then the EOI and iretq; the capsule unmasks it once it has
 * drained the device (board/pc/wire_intx.h; docs/interrupts.md,
 * "Level-triggered INTx"). Like the MSI pool, a row has a loop slot only
 * once a driver's wiring claims it.
 */
#define BOARD_INTX_LINES(L)              \
	L(INTX10, "intx10", 0x5a, 9, 10) \
	L(INTX11, "intx11", 0x5b, 10, 11)

enum board_pending_bit {
#define BOARD_BIT_ENUM(e, name, vector, bit, isa, cpu) BIT_##e = (bit),
#define BOARD_LEVEL_BIT_ENUM(e, name, vector, bit, gsi) BIT_##e = (bit),
	BOARD_INTERRUPTS(BOARD_BIT_ENUM)
	BOARD_MSI_POOL(BOARD_BIT_ENUM) BOARD_INTX_LINES(BOARD_LEVEL_BIT_ENUM)
#undef BOARD_LEVEL_BIT_ENUM
#undef BOARD_BIT_ENUM
};

enum board_vector {
#define BOARD_VEC_ENUM(e, name, vector, bit, isa, cpu) VEC_##e = (vector),
#define BOARD_LEVEL_VEC_ENUM(e, name, vector, bit, gsi) VEC_##e = (vector),
	BOARD_INTERRUPTS(BOARD_VEC_ENUM)
	BOARD_MSI_POOL(BOARD_VEC_ENUM) BOARD_INTX_LINES(BOARD_LEVEL_VEC_ENUM)
#undef BOARD_LEVEL_VEC_ENUM
#undef BOARD_VEC_ENUM
};

/* Vectors outside the table: LAPIC spurious (its own stub, no EOI), and
 * the stall watchdog's tick (ISA IRQ 0, the PIT), which takes the slow
 * path (the common entry finds its vector in service at the LAPIC)
 * because its C handler reads the interrupted state; 0xf0 is in the
 * highest priority class, so no storm of device vectors delays it. */
#define VEC_LAPIC_SPURIOUS 0xff
/* The wake-up IPI between CPUs (chips/x86_64/wakeup_ipi.asm: EOI, iretq;
 * the sender has set the pending bit already; docs/smp.md). */
#define VEC_WAKEUP 0xf1
#define VEC_WATCHDOG 0xf0
/* The watchdog's tick passed on from the tick's CPU to each other awake
 * CPU (kernel/watchdog.h): the same slow path and handler as the tick. */
#define VEC_WATCHDOG_POKE 0xf2
#define ISA_IRQ_PIT 0

/* Route ISA `irq` to its table vector on the boot CPU through the IOAPIC
 * (board_irq_cpus_route() later moves it to its row's CPU),
 * honouring the MADT's override or the MP table's entry (GSI, polarity,
 * trigger), and unmask it; with the 8259s (wire_acpi.h), unmask it there
 * and put its top half at the 8259's vector too. Capsules' wiring code
 * calls this once its device is ready. */
void board_enable_isa_irq(int isa_irq);

/* Its wiring found no device for ISA `isa_irq` (no i8042, no UART): the
 * row stays masked on purpose. */
void board_isa_irq_absent(int isa_irq);

/* Before loop_verify(): panics, naming the row, if a row with an ISA IRQ
 * was neither routed nor said to be absent (a device that would never
 * interrupt, silently). loop_verify() then checks every row's client. */
void board_interrupts_verify(void);

/* The same for a vector outside the table, left masked: the GSI it came
 * to (the caller unmasks it). Panics if it cannot be routed. IOAPIC only. */
uint32_t board_route_isa_irq(int isa_irq, uint8_t vector);

struct platform;

/* Whether `p` routes every ISA IRQ the board uses (the table's rows and
 * the PIT's) to an IOAPIC; if not, a warning naming the IRQ and `source`. */
bool board_platform_routes_isa(const struct platform *p, const char *source);

/* The CPU column, and the boot option irqcpu= that overrides it: read
 * once the routing is known (an 8259 delivers only to the boot CPU, so
 * there the column is ignored, with one log line). */
void board_irq_cpus_load(void);
/* On CPU `cpu`, before its loop: hand over every row routed here. */
void board_irq_cpus_wire_ap(unsigned cpu);
/* Boot CPU, once the other CPUs are online: point each row at its CPU
 * (a CPU that is not online keeps the row on the boot CPU, logged). */
void board_irq_cpus_route(void);

/* xAPIC or x2APIC for every CPU (docs/smp.md, "x2APIC"): x2APIC when the
 * firmware left it on, or when `p` lists a CPU by an x2APIC entry or with
 * an APIC id above 254, or when the option x2apic=on asks for it, and
 * CPUID has it. Boot CPU, before board_interrupts_init_cpu(). */
void board_choose_apic_mode(const struct platform *p);

/* Declare one loop slot per table row (names from the table). */
void board_interrupts_declare(void);
/* This CPU: install the top halves and enable its LAPIC. */
void board_interrupts_init_cpu(uintptr_t madt_lapic_base, int lint1_nmi);
/* Register every IOAPIC of the platform, all entries masked. */
void board_ioapics_init(const struct platform *p);
void board_interrupts_set_boot_apic(uint8_t apic_id);
/* The table's vector for ISA `isa_irq`, or -1. */
int board_isa_vector(int isa_irq);

#endif
