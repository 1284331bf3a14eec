/* A synthetic PCI configuration space (fake_pci.h). */
#include <string.h>

#include "fake_pci.h"

#define REG_COMMAND 0x04
#define REG_BAR0 0x10
#define CMD_DECODE 0x3u

void fake_pci_init(struct fake_pci *f)
{
	memset(f, 0, sizeof(*f));
}

uint32_t fake_pci_get32(const struct fake_pci_fn *fn, uint16_t off)
{
	const uint8_t *p = fn->cfg + (off & 0xfc);
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void fake_pci_set32(struct fake_pci_fn *fn, uint16_t off, uint32_t v)
{
	uint8_t *p = fn->cfg + (off & 0xfc);
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

struct fake_pci_fn *fake_pci_find(struct fake_pci *f, pci_bdf bdf)
{
	for (unsigned i = 0; i < f->count; i++)
		if (f->fns[i].bdf == bdf)
			return &f->fns[i];
	return NULL;
}

struct fake_pci_fn *fake_pci_add(struct fake_pci *f, pci_bdf bdf, uint16_t vendor, uint16_t device,
				 uint32_t class_rev, uint8_t header)
{
	if (f->count == FAKE_PCI_MAX)
		return NULL;
	struct fake_pci_fn *fn = &f->fns[f->count++];
	memset(fn, 0, sizeof(*fn));
	fn->bdf = bdf;
	fake_pci_set32(fn, 0x00, (uint32_t)device << 16 | vendor);
	fake_pci_set32(fn, 0x08, class_rev);
	fn->cfg[0x0e] = header;
	return fn;
}

void fake_pci_bar(struct fake_pci_fn *fn, unsigned i, uint32_t value, uint32_t writable)
{
	fake_pci_set32(fn, (uint16_t)(REG_BAR0 + 4 * i), value);
	fn->bar_writable[i] = writable;
}

uint8_t *fake_pci_cap(struct fake_pci_fn *fn, uint8_t at, uint8_t id)
{
	fn->cfg[0x06] |= 0x10; /* status: capability list */
	uint8_t *link = &fn->cfg[(fn->cfg[0x0e] & 0x7f) == 2 ? 0x14 : 0x34];
	while (*link)
		link = &fn->cfg[*link + 1];
	*link = at;
	fn->cfg[at] = id;
	fn->cfg[at + 1] = 0;
	return &fn->cfg[at];
}

static unsigned bar_count(const struct fake_pci_fn *fn)
{
	switch (fn->cfg[0x0e] & 0x7f) {
	case 0:
		return 6;
	case 1:
		return 2;
	default:
		return 0;
	}
}

static uint32_t read32(void *hw, pci_bdf bdf, uint16_t off)
{
	struct fake_pci *f = hw;
	f->reads++;
	const struct fake_pci_fn *fn = fake_pci_find(f, bdf);
	return fn && off < 256 ? fake_pci_get32(fn, off) : 0xffffffffu;
}

static void write32(void *hw, pci_bdf bdf, uint16_t off, uint32_t v)
{
	struct fake_pci *f = hw;
	f->writes++;
	struct fake_pci_fn *fn = fake_pci_find(f, bdf);
	if (!fn || off >= 256)
		return;
	uint32_t cur = fake_pci_get32(fn, off);
	if (off == REG_COMMAND) {
		uint32_t status = (cur >> 16) & ~(v >> 16); /* write 1 to clear */
		fake_pci_set32(fn, off, status << 16 | (v & 0xffff));
		return;
	}
	unsigned i = (unsigned)(off - REG_BAR0) / 4;
	if (off >= REG_BAR0 && i < bar_count(fn)) {
		bool host_bridge = fn->cfg[0x0b] == 0x06 && fn->cfg[0x0a] == 0x00;
		if ((fn->cfg[REG_COMMAND] & CMD_DECODE) && !host_bridge)
			f->bar_writes_while_decoding++;
		/* Read-only bits (type, prefetchable, the size's low bits) keep
		 * their value. */
		uint32_t w = fn->bar_writable[i];
		fake_pci_set32(fn, off, (v & w) | (cur & ~w));
		return;
	}
	fake_pci_set32(fn, off, v);
}

struct hil_pci_config fake_pci_config(struct fake_pci *f)
{
	return (struct hil_pci_config){
		.hw = f,
		.read32 = read32,
		.write32 = write32,
		.space_bytes = 256,
		.method = "fake",
	};
}
