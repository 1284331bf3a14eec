/* The `pci` command (pci_commands.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/pci_commands.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

/* Base class names (PCI Code and ID Assignment Specification 1.11, 1.x),
 * with the bridge subclasses that every PC shows. */
static const char *class_name(uint8_t class_code, uint8_t subclass)
{
	static const char *const names[] = {
		"unclassified", "storage",   "network",       "display",     "multimedia",
		"memory",       "bridge",    "communication", "system",      "input",
		"docking",      "processor", "serial bus",    "wireless",    "intelligent io",
		"satellite",    "crypto",    "signal",        "accelerator", "instrumentation",
	};
	if (class_code == 0x06) {
		switch (subclass) {
		case 0x00:
			return "host bridge";
		case 0x01:
			return "ISA bridge";
		case 0x04:
			return "PCI bridge";
		default:
			break;
		}
	}
	return class_code < sizeof(names) / sizeof(names[0]) ? names[class_code] : "other";
}

/* Appends to a buffer, counting what did not fit. */
struct text {
	char *out;
	size_t n, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	size_t room = t->len < t->n ? t->n - t->len : 0;
	int k = kvsnprintf(room ? t->out + t->len : NULL, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->len += (size_t)k;
}

/* lspci's sizes: the largest unit that divides exactly. */
static void put_size(struct text *t, uint64_t size)
{
	static const char units[] = { 'G', 'M', 'K' };
	for (unsigned i = 0; i < sizeof(units); i++) {
		unsigned shift = 30 - 10 * i;
		if (size >= (1ull << shift) && !(size & ((1ull << shift) - 1))) {
			put(t, "[size=%llu%c]", (unsigned long long)(size >> shift), units[i]);
			return;
		}
	}
	put(t, "[size=%llu]", (unsigned long long)size);
}

static void put_irq(struct text *t, const struct pci_function *f)
{
	switch (f->irq_mode) {
	case PCI_IRQ_MSIX:
		put(t, "irq MSI-X");
		break;
	case PCI_IRQ_MSI:
		put(t, "irq MSI");
		break;
	case PCI_IRQ_INTX:
		put(t, "irq INTx pin %c (line %u)", 'A' + f->irq_pin - 1, f->irq_line);
		break;
	default:
		put(t, "irq none");
		break;
	}
	if (f->msi_cap)
		put(t, "; msi %u vector%s%s", f->msi_vectors, f->msi_vectors == 1 ? "" : "s",
		    f->msi_64bit ? " 64-bit" : "");
	if (f->msix_cap)
		put(t, "; msi-x %u vector%s (table bar%u+0x%x)", f->msix_vectors,
		    f->msix_vectors == 1 ? "" : "s", f->msix_table_bar, f->msix_table_offset);
	if (f->vendor_cap_count)
		put(t, "; %u vendor cap%s", f->vendor_cap_count,
		    f->vendor_cap_count == 1 ? "" : "s");
}

size_t pci_describe(const struct pci_function *f, char *out, size_t n)
{
	struct text t = { out, n, 0 };

	if (n)
		out[0] = '\0';
	put(&t, "%02x:%02x.%x %04x:%04x class %02x%02x%02x %s: ", PCI_BDF_BUS(f->bdf),
	    PCI_BDF_DEV(f->bdf), PCI_BDF_FN(f->bdf), f->vendor, f->device, f->class_code,
	    f->subclass, f->prog_if, class_name(f->class_code, f->subclass));
	put_irq(&t, f);
	if ((f->header_type & 0x7f) == 1)
		put(&t, "; buses %02x-%02x behind", f->secondary_bus, f->subordinate_bus);
	put(&t, "\n");
	for (unsigned i = 0; i < PCI_BARS; i++) {
		const struct pci_bar *b = &f->bars[i];
		static const char *const kinds[] = { "", "io", "mem32", "mem64" };
		if (b->kind == PCI_BAR_NONE)
			continue;
		put(&t, "  bar%u %s %s0x%llx ", i, kinds[b->kind],
		    b->prefetchable ? "prefetchable " : "", (unsigned long long)b->base);
		put_size(&t, b->size);
		put(&t, "\n");
	}
	return t.len + 1;
}

static void cmd_pci(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct pci_commands *c = ctx;
	char text[512];

	(void)argc;
	(void)argv;
	if (!c->method) {
		shell_say(sh, "no PCI: configuration space was not reachable\n");
		return;
	}
	if (c->read_bars)
		c->read_bars();
	shell_say(sh, "%u function%s, configuration space through %s\n", c->count,
		  c->count == 1 ? "" : "s", c->method);
	for (unsigned i = 0; i < c->count; i++) {
		pci_describe(&c->functions[i], text, sizeof(text));
		shell_say(sh, "%s", text);
	}
}

static const struct shell_command commands[] = {
	{ "pci", "", "PCI functions: ids, class, interrupt mode, BARs", cmd_pci },
};

void pci_commands_init(struct pci_commands *c, const struct pci_function *functions, unsigned count,
		       const char *method, void (*read_bars)(void))
{
	memset(c, 0, sizeof(*c));
	c->functions = functions;
	c->count = count;
	c->method = method;
	c->read_bars = read_bars;
	c->set = (struct shell_command_set){
		.name = "pci",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
