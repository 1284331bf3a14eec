/*
 * IOAPIC: two MMIO registers (IOREGSEL at +0x00, IOWIN at +0x10) give
 * indirect access to the version register and the 64-bit redirection
 * entries (low dword at 0x10 + 2n, high at 0x11 + 2n).
 *
 * Entries are changed read-modify-write: only the fields knock owns
 * (vector, delivery, polarity, trigger, mask, destination) are replaced;
 * reserved bits keep what the chip has.
 *
 * Spec: Intel 82093AA I/O Advanced Programmable Interrupt Controller
 * (IOAPIC) datasheet, 1996: 3.0 (IOREGSEL, IOWIN), 3.2.4 (redirection table
 * entries).
 */
#include <stdint.h>

#include "chips/x86_64/ioapic.h"
#include "kernel/arch.h"
#include "kernel/log.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REG_REDIR_LOW(n) (0x10 + 2 * (n))
#define REG_REDIR_HIGH(n) (0x11 + 2 * (n))

#define RTE_VECTOR_MASK 0xffu
#define RTE_DELIVERY_MASK (7u << 8) /* 000 = fixed */
#define RTE_DEST_LOGICAL (1u << 11) /* 0 = physical */
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED IOAPIC_RTE_MASKED
#define RTE_OWNED_LOW                                                                          \
	(RTE_VECTOR_MASK | RTE_DELIVERY_MASK | RTE_DEST_LOGICAL | RTE_ACTIVE_LOW | RTE_LEVEL | \
	 RTE_MASKED)
#define RTE_DEST_SHIFT 24

struct ioapic {
	uint8_t id;
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	unsigned entries;
};

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned ioapic_count;

/* Each select-then-window pair with this CPU's interrupts off: a level
 * row's top half (tools/gen_top_halves.py) selects its own entry, and one
 * landing between the two would send this access to that entry. Other
 * CPUs keep off the pair while a level row is claimed
 * (board/pc/wire_watchdog.c). */
static uint32_t reg_read(const struct ioapic *io, uint32_t reg)
{
	bool on = arch_irq_save();
	io->mmio[IOREGSEL / 4] = reg;
	uint32_t value = io->mmio[IOWIN / 4];
	arch_irq_restore(on);
	return value;
}

static void reg_write(const struct ioapic *io, uint32_t reg, uint32_t value)
{
	bool on = arch_irq_save();
	io->mmio[IOREGSEL / 4] = reg;
	io->mmio[IOWIN / 4] = value;
	arch_irq_restore(on);
}

/* The top 32 MiB below 4 GiB is mapped uncached (boot/entry32.asm); an
 * IOAPIC anywhere else is not read. */
#define UNCACHED_MMIO_START 0xfe000000u

uint32_t ioapic_probe_entries(uint32_t address)
{
	if (address < UNCACHED_MMIO_START || (address & 0xf))
		return 0;
	const struct ioapic probe = { .mmio = (volatile uint32_t *)(uintptr_t)address };
	uint32_t version = reg_read(&probe, REG_VERSION);
	if (version == 0xffffffffu)
		return 0; /* nothing answers there */
	return ((version >> 16) & 0xff) + 1;
}

unsigned ioapic_add(uint8_t id, uintptr_t address, uint32_t gsi_base)
{
	if (ioapic_count == IOAPIC_MAX) {
		log_warn("ioapic: more than %u IOAPICs; id %u at 0x%lx ignored", IOAPIC_MAX, id,
			 (unsigned long)address);
		return 0;
	}
	struct ioapic *io = &ioapics[ioapic_count];
	io->id = id;
	io->mmio = (volatile uint32_t *)address;
	io->gsi_base = gsi_base;
	io->entries = ((reg_read(io, REG_VERSION) >> 16) & 0xff) + 1;
	for (unsigned n = 0; n < io->entries; n++)
		reg_write(io, REG_REDIR_LOW(n), reg_read(io, REG_REDIR_LOW(n)) | RTE_MASKED);
	ioapic_count++;
	return io->entries;
}

static struct ioapic *serving(uint32_t gsi, unsigned *index)
{
	for (unsigned i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->entries) {
			*index = gsi - io->gsi_base;
			return io;
		}
	}
	return 0;
}

bool ioapic_route(uint32_t gsi, uint8_t vector, uint8_t dest_apic_id, bool active_low, bool level)
{
	unsigned n;
	struct ioapic *io = serving(gsi, &n);
	if (!io)
		return false;
	uint32_t low = reg_read(io, REG_REDIR_LOW(n));
	low = (low & ~RTE_OWNED_LOW) | vector | RTE_MASKED;
	if (active_low)
		low |= RTE_ACTIVE_LOW;
	if (level)
		low |= RTE_LEVEL;
	uint32_t high = reg_read(io, REG_REDIR_HIGH(n));
	high = (high & ~(0xffu << RTE_DEST_SHIFT)) | ((uint32_t)dest_apic_id << RTE_DEST_SHIFT);
	/* Masked while half-written, so no interrupt sees a mixed entry. */
	reg_write(io, REG_REDIR_LOW(n), reg_read(io, REG_REDIR_LOW(n)) | RTE_MASKED);
	reg_write(io, REG_REDIR_HIGH(n), high);
	reg_write(io, REG_REDIR_LOW(n), low);
	return true;
}

bool ioapic_set_masked(uint32_t gsi, bool masked)
{
	unsigned n;
	struct ioapic *io = serving(gsi, &n);
	if (!io)
		return false;
	uint32_t low = reg_read(io, REG_REDIR_LOW(n));
	reg_write(io, REG_REDIR_LOW(n), masked ? low | RTE_MASKED : low & ~RTE_MASKED);
	return true;
}

bool ioapic_pin_get(uint32_t gsi, struct ioapic_pin *out)
{
	unsigned n;
	struct ioapic *io = serving(gsi, &n);
	if (!io)
		return false;
	_Static_assert(IOWIN / 4 - IOREGSEL / 4 == IOAPIC_WINDOW_WORD, "IOWIN moved");
	out->regsel = &io->mmio[IOREGSEL / 4];
	out->reg = REG_REDIR_LOW(n);
	out->unmasked = reg_read(io, REG_REDIR_LOW(n)) & ~RTE_MASKED;
	return true;
}

uint64_t ioapic_entry(uint32_t gsi)
{
	unsigned n;
	struct ioapic *io = serving(gsi, &n);
	if (!io)
		return 0;
	return (uint64_t)reg_read(io, REG_REDIR_HIGH(n)) << 32 | reg_read(io, REG_REDIR_LOW(n));
}
