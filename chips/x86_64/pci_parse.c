/*
 * The PCI scanner (see pci_parse.h): a breadth-first walk of the buses,
 * every function sized and its capabilities read, through nothing but the
 * accessor it is given.
 *
 * Spec: PCI Local Bus Specification 3.0: 6.1 (header: vendor 0xffff means
 * no function), 6.2.1 (header type, bit 7 multi-function), 6.2.2 (command
 * register: I/O and memory decode, interrupt disable), 6.2.5.1 (sizing a
 * BAR: write all ones, read back, restore; decode off meanwhile, 6.2.5
 * "Software should ... disable decode"), 6.7 (capability list at 0x34,
 * status bit 4), 6.8.1 (MSI capability), 6.8.2 (MSI-X capability). PCI-to-PCI
 * Bridge Architecture 1.2, 3.2.5.3-3.2.5.5 (primary, secondary, subordinate
 * bus numbers at 0x18-0x1a), 3.2.5.1 (two BARs).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/pci_parse.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define REG_ID 0x00
#define REG_COMMAND 0x04 /* command in bits 0-15, status in 16-31 */
#define REG_CLASS 0x08   /* revision, prog-if, subclass, class */
#define REG_HEADER 0x0c  /* header type in bits 16-23 */
#define REG_BAR0 0x10
#define REG_BUSES 0x18 /* bridge: primary, secondary, subordinate */
#define REG_CAP_PTR 0x34
#define REG_CARDBUS_CAP_PTR 0x14
#define REG_INTERRUPT 0x3c /* line in bits 0-7, pin in 8-15 */

#define CMD_IO (1u << 0)
#define CMD_MEMORY (1u << 1)
#define CMD_INTX_DISABLE (1u << 10)
#define STATUS_CAP_LIST (1u << 4)

#define HEADER_MULTI_FUNCTION 0x80
#define HEADER_DEVICE 0
#define HEADER_BRIDGE 1
#define HEADER_CARDBUS 2

#define CLASS_BRIDGE 0x06
#define SUBCLASS_HOST 0x00

#define CAP_FIRST 0x40 /* capabilities live after the 64-byte header */
#define CAP_MSI 0x05
#define CAP_VENDOR 0x09
#define CAP_MSIX 0x11

#define CONFIG_BYTES 256 /* what the scanner reads: the PCI-compatible part */
#define BUSES 256

/* ---- access ------------------------------------------------------------------- */

static uint32_t rd32(const struct hil_pci_config *c, pci_bdf bdf, uint16_t off)
{
	return c->read32(c->hw, bdf, off);
}

static uint8_t rd8(const struct hil_pci_config *c, pci_bdf bdf, uint16_t off)
{
	return (uint8_t)(rd32(c, bdf, off & 0xfc) >> ((off & 3) * 8));
}

static void wr32(const struct hil_pci_config *c, pci_bdf bdf, uint16_t off, uint32_t v)
{
	c->write32(c->hw, bdf, off, v);
}

/* Write the command register alone: the status half of the dword is
 * write-1-to-clear, so it gets zeros, which change nothing. */
static void write_command(const struct hil_pci_config *c, pci_bdf bdf, uint16_t command)
{
	wr32(c, bdf, REG_COMMAND, command);
}

/* ---- warnings ----------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void warn(struct pci_scan *out, pci_bdf bdf,
						       const char *fmt, ...)
{
	char text[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	out->warnings++;
	log_warn("pci: %02x:%02x.%x: %s", PCI_BDF_BUS(bdf), PCI_BDF_DEV(bdf), PCI_BDF_FN(bdf),
		 text);
}

/* ---- BARs --------------------------------------------------------------------- */

/* The raw BAR dwords: as found, and as read back after all ones were
 * written. Taken with decode off; interpreted (and warned about) after the
 * device is back as it was. */
struct bar_probe {
	unsigned count;
	uint32_t orig[PCI_BARS];
	uint32_t mask[PCI_BARS];
};

static void probe_bars(const struct hil_pci_config *c, const struct pci_function *f, unsigned count,
		       struct bar_probe *p)
{
	bool host_bridge = f->class_code == CLASS_BRIDGE && f->subclass == SUBCLASS_HOST;
	bool decoding = f->command & (CMD_IO | CMD_MEMORY);

	p->count = count;
	if (decoding && !host_bridge)
		write_command(c, f->bdf, f->command & ~(CMD_IO | CMD_MEMORY));
	for (unsigned i = 0; i < count; i++) {
		uint16_t reg = (uint16_t)(REG_BAR0 + 4 * i);
		p->orig[i] = rd32(c, f->bdf, reg);
		wr32(c, f->bdf, reg, 0xffffffffu);
		p->mask[i] = rd32(c, f->bdf, reg);
		wr32(c, f->bdf, reg, p->orig[i]);
	}
	if (decoding && !host_bridge)
		write_command(c, f->bdf, f->command);
}

/* The size a mask of writable address bits decodes: its lowest set bit.
 * Real masks are ones from the top down to that bit; any other is warned
 * about by the caller. */
static uint64_t lowest_bit(uint64_t mask)
{
	return mask & (~mask + 1);
}

static void decode_bars(struct pci_scan *out, struct pci_function *f, const struct bar_probe *p)
{
	for (unsigned i = 0; i < p->count; i++) {
		uint32_t orig = p->orig[i], mask = p->mask[i];
		struct pci_bar *b = &f->bars[i];

		if (orig == 0xffffffffu) {
			warn(out, f->bdf, "BAR%u reads all ones: ignored", i);
			continue;
		}
		if (mask == 0)
			continue; /* not implemented */
		if (orig & 1) {
			/* I/O: bits 2-31 are the address; the upper 16 may be
			 * hardwired to 0 (64 KiB of ports). */
			uint32_t m = mask & 0xfffffffcu;
			if (!(m & 0xfffc)) {
				warn(out, f->bdf,
				     "I/O BAR%u reads back 0x%08x: no usable size; ignored", i,
				     mask);
				continue;
			}
			if (!(m >> 16))
				m |= 0xffff0000u;
			uint64_t size = lowest_bit(m);
			if ((m | (uint32_t)(size - 1)) != 0xffffffffu)
				warn(out, f->bdf,
				     "I/O BAR%u size mask 0x%08x has holes; taking %llu bytes", i,
				     mask, (unsigned long long)size);
			b->kind = PCI_BAR_IO;
			b->base = orig & 0xfffffffcu;
			b->size = size;
			continue;
		}
		unsigned type = (orig >> 1) & 3;
		bool prefetchable = orig & 8;
		uint64_t base = orig & 0xfffffff0u;
		uint64_t m = mask & 0xfffffff0u;
		uint64_t all = 0xffffffffu;
		enum pci_bar_kind kind = PCI_BAR_MEM32;

		if (type == 3) {
			warn(out, f->bdf, "BAR%u has the reserved memory type 3: ignored", i);
			continue;
		}
		if (type == 2) {
			if (i + 1 >= p->count) {
				warn(out, f->bdf,
				     "BAR%u is 64-bit but is the last BAR, with no upper half: ignored",
				     i);
				continue;
			}
			if (p->orig[i + 1] == 0xffffffffu && p->mask[i + 1] == 0xffffffffu &&
			    (orig & 0xfffffff0u) == 0xfffffff0u) {
				warn(out, f->bdf, "64-bit BAR%u reads all ones: ignored", i);
				i++;
				continue;
			}
			base |= (uint64_t)p->orig[i + 1] << 32;
			m |= (uint64_t)p->mask[i + 1] << 32;
			all = ~0ull;
			kind = PCI_BAR_MEM64;
			i++; /* the upper half stays PCI_BAR_NONE */
		}
		if (!m) {
			warn(out, f->bdf,
			     "memory BAR%u reads back no writable address bits: ignored",
			     kind == PCI_BAR_MEM64 ? i - 1 : i);
			continue;
		}
		uint64_t size = lowest_bit(m);
		if ((m | (size - 1)) != all)
			warn(out, f->bdf, "BAR%u size mask 0x%llx has holes; taking %llu bytes",
			     kind == PCI_BAR_MEM64 ? i - 1 : i, (unsigned long long)m,
			     (unsigned long long)size);
		b->kind = kind;
		b->prefetchable = prefetchable;
		b->base = base;
		b->size = size;
	}
}

void pci_read_bars(const struct hil_pci_config *c, struct pci_scan *scan, struct pci_function *f)
{
	struct bar_probe probe;

	if (f->bars_read)
		return;
	f->bars_read = true;
	switch (f->header_type & 0x7f) {
	case HEADER_DEVICE:
		probe_bars(c, f, PCI_BARS, &probe);
		break;
	case HEADER_BRIDGE:
		probe_bars(c, f, 2, &probe);
		break;
	default:
		return; /* CardBus (its one BAR is the socket's) or unknown */
	}
	decode_bars(scan, f, &probe);
}

/* ---- capabilities ------------------------------------------------------------- */

static void read_msi(const struct hil_pci_config *c, struct pci_function *f, uint8_t at,
		     uint32_t head)
{
	uint16_t control = (uint16_t)(head >> 16);
	unsigned log2 = (control >> 1) & 7;

	f->msi_cap = at;
	f->msi_64bit = control & 0x80;
	f->msi_vectors = (uint8_t)(1u << (log2 > 5 ? 5 : log2));
	if (control & 1)
		f->irq_mode = PCI_IRQ_MSI;
	(void)c;
}

static void read_msix(const struct hil_pci_config *c, struct pci_scan *out, struct pci_function *f,
		      uint8_t at, uint32_t head)
{
	uint16_t control = (uint16_t)(head >> 16);

	if (at + 12 > CONFIG_BYTES) {
		warn(out, f->bdf,
		     "MSI-X capability at 0x%02x runs past configuration space: ignored", at);
		return;
	}
	uint32_t table = rd32(c, f->bdf, (uint16_t)(at + 4));
	uint32_t pba = rd32(c, f->bdf, (uint16_t)(at + 8));
	if ((table & 7) >= PCI_BARS || (pba & 7) >= PCI_BARS) {
		warn(out, f->bdf, "MSI-X table in BAR%u, PBA in BAR%u: there are only 6: ignored",
		     table & 7, pba & 7);
		return;
	}
	f->msix_cap = at;
	f->msix_vectors = (uint16_t)((control & 0x7ff) + 1);
	f->msix_table_bar = (uint8_t)(table & 7);
	f->msix_table_offset = table & ~7u;
	f->msix_pba_bar = (uint8_t)(pba & 7);
	f->msix_pba_offset = pba & ~7u;
	if (control & 0x8000)
		f->irq_mode = PCI_IRQ_MSIX; /* wins over MSI: the spec says so */
}

static void walk_capabilities(const struct hil_pci_config *c, struct pci_scan *out,
			      struct pci_function *f)
{
	uint32_t status = rd32(c, f->bdf, REG_COMMAND) >> 16;
	if (!(status & STATUS_CAP_LIST))
		return;
	uint16_t ptr_reg = (f->header_type & 0x7f) == HEADER_CARDBUS ? REG_CARDBUS_CAP_PTR :
								       REG_CAP_PTR;
	/* One bit per dword of configuration space: a capability seen twice
	 * means the list loops. The bitmap also bounds the walk at 48 steps. */
	uint8_t seen[CONFIG_BYTES / 4 / 8] = { 0 };
	uint8_t at = rd8(c, f->bdf, ptr_reg) & 0xfc;

	while (at) {
		if (at < CAP_FIRST) {
			warn(out, f->bdf,
			     "capability pointer 0x%02x points into the header: the list ends there",
			     at);
			return;
		}
		if (seen[at / 32] & (1u << (at / 4 % 8))) {
			warn(out, f->bdf,
			     "capability list loops back to 0x%02x: the list ends there", at);
			return;
		}
		seen[at / 32] |= (uint8_t)(1u << (at / 4 % 8));
		uint32_t head = rd32(c, f->bdf, at);
		uint8_t id = (uint8_t)head;
		f->cap_count++;
		switch (id) {
		case CAP_MSI:
			if (!f->msi_cap)
				read_msi(c, f, at, head);
			break;
		case CAP_MSIX:
			if (!f->msix_cap)
				read_msix(c, out, f, at, head);
			break;
		case CAP_VENDOR:
			if (f->vendor_cap_count < PCI_VENDOR_CAPS)
				f->vendor_caps[f->vendor_cap_count++] = at;
			break;
		default:
			break;
		}
		at = (uint8_t)(head >> 8) & 0xfc;
	}
}

/* ---- functions and buses ------------------------------------------------------ */

struct bus_queue {
	uint8_t bus[BUSES];
	unsigned head, tail;
	uint8_t seen[BUSES / 8];
};

static bool bus_seen(const struct bus_queue *q, unsigned bus)
{
	return q->seen[bus / 8] & (1u << (bus % 8));
}

static void bus_add(struct bus_queue *q, unsigned bus)
{
	q->seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	q->bus[q->tail++] = (uint8_t)bus; /* each bus once: never more than 256 */
}

static void follow_bridge(const struct hil_pci_config *c, struct pci_scan *out,
			  struct pci_function *f, struct bus_queue *q)
{
	uint32_t buses = rd32(c, f->bdf, REG_BUSES);
	unsigned secondary = (buses >> 8) & 0xff, subordinate = (buses >> 16) & 0xff;

	f->secondary_bus = (uint8_t)secondary;
	f->subordinate_bus = (uint8_t)subordinate;
	if (secondary == 0) {
		warn(out, f->bdf,
		     "bridge has no secondary bus number (not configured): not scanned");
		return;
	}
	if (bus_seen(q, secondary)) {
		warn(out, f->bdf, "bridge's secondary bus %02x was already scanned: not again",
		     secondary);
		return;
	}
	if (subordinate < secondary)
		warn(out, f->bdf, "bridge's subordinate bus %02x is below its secondary bus %02x",
		     subordinate, secondary);
	bus_add(q, secondary);
}

static bool absent(uint32_t id)
{
	uint16_t vendor = (uint16_t)id;
	return vendor == 0xffff || vendor == 0x0000;
}

static void add_function(const struct hil_pci_config *c, struct pci_scan *out, pci_bdf bdf,
			 uint32_t id, struct bus_queue *q)
{
	struct pci_function f;

	memset(&f, 0, sizeof(f));
	f.bdf = bdf;
	f.vendor = (uint16_t)id;
	f.device = (uint16_t)(id >> 16);
	uint32_t class = rd32(c, bdf, REG_CLASS);
	f.revision = (uint8_t) class;
	f.prog_if = (uint8_t)(class >> 8);
	f.subclass = (uint8_t)(class >> 16);
	f.class_code = (uint8_t)(class >> 24);
	f.header_type = rd8(c, bdf, REG_HEADER + 2);
	f.command = (uint16_t)rd32(c, bdf, REG_COMMAND);
	uint32_t irq = rd32(c, bdf, REG_INTERRUPT);
	f.irq_line = (uint8_t)irq;
	f.irq_pin = (uint8_t)(irq >> 8);

	switch (f.header_type & 0x7f) {
	case HEADER_DEVICE:
		break;
	case HEADER_BRIDGE:
		follow_bridge(c, out, &f, q);
		break;
	case HEADER_CARDBUS:
		break; /* its one BAR is the socket's registers; knock has no CardBus */
	default:
		warn(out, bdf, "unknown header type 0x%02x: BARs and capabilities not read",
		     f.header_type);
		goto keep;
	}
	if (f.irq_pin > 4) {
		warn(out, bdf, "interrupt pin %u is not INTA-INTD: taken as none", f.irq_pin);
		f.irq_pin = 0;
	}
	if (f.irq_pin && !(f.command & CMD_INTX_DISABLE))
		f.irq_mode = PCI_IRQ_INTX;
	walk_capabilities(c, out, &f); /* MSI or MSI-X, if enabled, win */
keep:
	if (out->count == PCI_SCAN_MAX_FUNCTIONS) {
		out->dropped++;
		return;
	}
	out->functions[out->count++] = f;
}

static void scan_bus(const struct hil_pci_config *c, struct pci_scan *out, unsigned bus,
		     struct bus_queue *q)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		pci_bdf bdf0 = PCI_BDF(bus, dev, 0);
		uint32_t id0 = rd32(c, bdf0, REG_ID);
		if (absent(id0))
			continue; /* function 0 is required: no device here */
		unsigned functions = rd8(c, bdf0, REG_HEADER + 2) & HEADER_MULTI_FUNCTION ? 8 : 1;
		for (unsigned fn = 0; fn < functions; fn++) {
			pci_bdf bdf = PCI_BDF(bus, dev, fn);
			uint32_t id = fn ? rd32(c, bdf, REG_ID) : id0;
			if (!absent(id))
				add_function(c, out, bdf, id, q);
		}
	}
}

void pci_scan(const struct hil_pci_config *cfg, struct pci_scan *out)
{
	struct bus_queue q;

	memset(out, 0, sizeof(*out));
	memset(&q, 0, sizeof(q));
	bus_add(&q, 0);
	while (q.head < q.tail) {
		out->buses++;
		scan_bus(cfg, out, q.bus[q.head++], &q);
	}
	if (out->dropped) {
		out->warnings++;
		log_warn("pci: %u functions found beyond the %u kept: not listed, not driven",
			 out->dropped, PCI_SCAN_MAX_FUNCTIONS);
	}
}

const struct pci_function *pci_scan_find(const struct pci_scan *scan, pci_bdf bdf)
{
	for (unsigned i = 0; i < scan->count; i++)
		if (scan->functions[i].bdf == bdf)
			return &scan->functions[i];
	return NULL;
}
