/*
 * capsules/pci_msix.c against a fake function (tests/unit/fake_pci.h,
 * found by the real scanner) and a fake MSI-X table that records every
 * write with the function's message control at that moment: the entries
 * are written only while the function is masked, each routed entry is
 * unmasked after its address and data, the others stay masked, INTx ends
 * disabled and the function unmasked; a device that does not keep its
 * table, or a request it cannot serve, leaves MSI-X off and INTx as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/pci_msix.h"
#include "chips/x86_64/pci_parse.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fake_pci.h"

#define CAP 0x98
#define ENABLE (1u << 15)
#define MASK (1u << 14)

static struct fake_pci fake;
static struct pci_scan scan;
static struct fake_pci_fn *dev;

#define ENTRIES 3
#define MAX_EVENTS 64

struct event {
	uint32_t offset, value;
	uint16_t control; /* the function's message control when it happened */
};

static struct {
	uint32_t regs[ENTRIES * 4];
	bool read_only;
	unsigned count;
	struct event ev[MAX_EVENTS];
} table;

static uint16_t control(void)
{
	return (uint16_t)(fake_pci_get32(dev, CAP) >> 16);
}

static uint32_t table_read(void *hw, uint32_t off)
{
	(void)hw;
	return off / 4 < ENTRIES * 4 ? table.regs[off / 4] : 0xffffffffu;
}

static void table_write(void *hw, uint32_t off, uint32_t v)
{
	(void)hw;
	assert_true(table.count < MAX_EVENTS);
	table.ev[table.count++] = (struct event){ off, v, control() };
	if (off / 4 < ENTRIES * 4 && !table.read_only)
		table.regs[off / 4] = v;
}

static struct hil_pci_window window = { NULL, table_read, table_write, ENTRIES * 16 };

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	fake_pci_init(&fake);
	memset(&table, 0, sizeof(table));
	window.bytes = ENTRIES * 16;
	/* A virtio device as QEMU presents it: decoding, INTx pin A, an
	 * MSI-X capability with a 3-entry table in BAR1. */
	dev = fake_pci_add(&fake, PCI_BDF(0, 2, 0), 0x1af4, 0x1005, 0x00ff0000, 0);
	fake_pci_set32(dev, 0x04, 0x0007);
	fake_pci_set32(dev, 0x3c, 0x0000010b);
	fake_pci_bar(dev, 1, 0xfebd1000, 0xfffff000);
	uint8_t *cap = fake_pci_cap(dev, CAP, 0x11);
	cap[2] = ENTRIES - 1;
	fake_pci_set32(dev, CAP + 4, 0x00000001);
	fake_pci_set32(dev, CAP + 8, 0x00000801);
	for (unsigned e = 0; e < ENTRIES; e++)
		table.regs[e * 4 + 3] = 1; /* masked at reset */
	struct hil_pci_config cfg = fake_pci_config(&fake);
	pci_scan(&cfg, &scan);
	assert_int_equal(scan.count, 1);
	pci_read_bars(&cfg, &scan, &scan.functions[0]);
	assert_int_equal(scan.functions[0].irq_mode, PCI_IRQ_INTX);
	return 0;
}

static int enable(const struct msix_route *routes, unsigned n)
{
	struct hil_pci_config cfg = fake_pci_config(&fake);
	return pci_msix_enable(&cfg, &scan.functions[0], &window, routes, n);
}

static void test_routes_entries_while_masked(void **state)
{
	(void)state;
	static const struct msix_route routes[] = {
		{ 0, 0xfee00000, 0x50 },
		{ 2, 0xfee01000, 0x53 },
	};
	assert_int_equal(enable(routes, 2), 0);
	assert_int_equal(strlen(fake_log), 0);

	/* Every table write happened with MSI-X on and the function masked. */
	assert_true(table.count > 0);
	for (unsigned i = 0; i < table.count; i++)
		assert_int_equal(table.ev[i].control & (ENABLE | MASK), ENABLE | MASK);
	/* Entries 0 and 2 routed, entry 1 still masked. */
	assert_int_equal(table.regs[0], 0xfee00000);
	assert_int_equal(table.regs[1], 0);
	assert_int_equal(table.regs[2], 0x50);
	assert_int_equal(table.regs[3], 0);
	assert_int_equal(table.regs[4 + 3], 1);
	assert_int_equal(table.regs[8], 0xfee01000);
	assert_int_equal(table.regs[10], 0x53);
	assert_int_equal(table.regs[11], 0);
	/* Each entry is unmasked only after its address and data are in. */
	for (unsigned e = 0; e < ENTRIES; e += 2) {
		int data_at = -1, unmask_at = -1;
		for (unsigned i = 0; i < table.count; i++) {
			if (table.ev[i].offset == e * 16 + 8)
				data_at = (int)i;
			if (table.ev[i].offset == e * 16 + 12 && table.ev[i].value == 0)
				unmask_at = (int)i;
		}
		assert_true(data_at >= 0 && unmask_at > data_at);
	}
	/* The function: MSI-X on, not masked, INTx off, decoding untouched. */
	assert_int_equal(control() & (ENABLE | MASK), ENABLE);
	assert_int_equal(control() & 0x7ff, ENTRIES - 1);
	assert_int_equal(fake_pci_get32(dev, 0x04) & 0xffff, 0x0407);
	assert_int_equal(scan.functions[0].irq_mode, PCI_IRQ_MSIX);
	assert_int_equal(scan.functions[0].command, 0x0407);
	assert_int_equal(dev->cfg[CAP], 0x11); /* the capability id kept */
}

static void test_table_that_does_not_keep(void **state)
{
	(void)state;
	static const struct msix_route routes[] = { { 1, 0xfee00000, 0x51 } };
	table.read_only = true;
	assert_int_equal(enable(routes, 1), -1);
	assert_non_null(
		strstr(fake_log, "pci: 00:02.0: MSI-X not enabled: its table did not keep"));
	assert_int_equal(control() & (ENABLE | MASK), 0);
	assert_int_equal(fake_pci_get32(dev, 0x04) & 0xffff, 0x0007); /* INTx as it was */
	assert_int_equal(scan.functions[0].irq_mode, PCI_IRQ_INTX);
}

static void test_requests_it_cannot_serve(void **state)
{
	(void)state;
	static const struct msix_route beyond[] = { { ENTRIES, 0xfee00000, 0x50 } };
	assert_int_equal(enable(beyond, 1), -1);
	assert_non_null(strstr(fake_log, "entry 3 is outside its 3-entry table"));

	window.bytes = 32;
	static const struct msix_route ok[] = { { 0, 0xfee00000, 0x50 } };
	assert_int_equal(enable(ok, 1), -1);
	assert_non_null(strstr(fake_log, "its 3-entry table does not fit the 32-byte window"));

	scan.functions[0].msix_cap = 0;
	assert_int_equal(enable(ok, 1), -1);
	assert_non_null(strstr(fake_log, "the function has no MSI-X capability"));

	assert_int_equal(table.count, 0);
	assert_int_equal(control() & (ENABLE | MASK), 0);
	assert_int_equal(fake_pci_get32(dev, 0x04) & 0xffff, 0x0007);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_routes_entries_while_masked, setup),
		cmocka_unit_test_setup(test_table_that_does_not_keep, setup),
		cmocka_unit_test_setup(test_requests_it_cannot_serve, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
