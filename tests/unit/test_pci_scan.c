/*
 * chips/x86_64/pci_parse.c: the scanner over synthetic configuration
 * spaces (tests/unit/fake_pci.h). A machine shaped like QEMU's q35 (host
 * bridge, VGA, a virtio device with MSI-X and five vendor capabilities, a
 * multi-function device, a bridge with a device behind it) scans to
 * exactly what was built, sizes every kind of BAR, and leaves every
 * register as it was; hostile spaces (looping capability lists, BARs that
 * read all ones, bridges that lead back to a scanned bus) cost a warning
 * each and the scan still finds the devices after them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "chips/x86_64/pci_parse.h"
#include "kernel/log.h"
#include "fake_log.h"
#include "fake_pci.h"

static struct fake_pci fake;
static struct pci_scan scan;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	fake_log_capture();
	fake_pci_init(&fake);
	return 0;
}

/* Logged and counted by the scanner (scan.warnings): both must be n. */
static void expect_warnings(unsigned n)
{
	fake_log_expect_warnings(n);
	assert_int_equal(scan.warnings, n);
}

/* The scan, then every function's BARs, as `pci` has them sized. */
static void run_scan(void)
{
	struct hil_pci_config cfg = fake_pci_config(&fake);
	pci_scan(&cfg, &scan);
	for (unsigned i = 0; i < scan.count; i++)
		pci_read_bars(&cfg, &scan, &scan.functions[i]);
}

static const struct pci_function *found(unsigned bus, unsigned dev, unsigned fn)
{
	const struct pci_function *f = pci_scan_find(&scan, PCI_BDF(bus, dev, fn));
	if (!f)
		fail_msg("%02x:%02x.%x not found; the log:\n%s", bus, dev, fn, fake_log);
	return f;
}

/* ---- a q35-shaped machine ------------------------------------------------------- */

#define VIRTIO_VENDOR_CAPS 5

static struct fake_pci_fn *add_virtio_rng(pci_bdf bdf)
{
	struct fake_pci_fn *fn = fake_pci_add(&fake, bdf, 0x1af4, 0x1005, 0x00ff0000, 0);
	fake_pci_set32(fn, 0x04, 0x0007);        /* I/O, memory, bus master */
	fake_pci_set32(fn, 0x3c, 0x0000010b);    /* pin A, line 11 */
	fake_pci_bar(fn, 0, 0xc041, 0xffffffe0); /* 32 ports */
	fake_pci_bar(fn, 1, 0xfebd1000, 0xfffff000);
	/* A 64-bit prefetchable 16 KiB BAR placed above 4 GiB. */
	fake_pci_bar(fn, 4, 0x0000000c, 0xffffc000);
	fake_pci_bar(fn, 5, 0x00000008, 0xffffffff);
	uint8_t *msix = fake_pci_cap(fn, 0x98, 0x11);
	msix[2] = 0x01;                       /* table size 2 */
	fake_pci_set32(fn, 0x9c, 0x00000001); /* table: BAR1 + 0 */
	fake_pci_set32(fn, 0xa0, 0x00000801); /* PBA: BAR1 + 0x800 */
	static const uint8_t vendor_at[VIRTIO_VENDOR_CAPS] = { 0x84, 0x70, 0x60, 0x50, 0x40 };
	for (unsigned i = 0; i < VIRTIO_VENDOR_CAPS; i++)
		fake_pci_cap(fn, vendor_at[i], 0x09);
	return fn;
}

static void build_q35(void)
{
	struct fake_pci_fn *fn;

	/* Host bridge: decoding, no BARs. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 0, 0), 0x8086, 0x29c0, 0x06000000, 0);
	fake_pci_set32(fn, 0x04, 0x0003);
	/* VGA: 16 MiB prefetchable framebuffer, 4 KiB of registers. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 1, 0), 0x1234, 0x1111, 0x03000002, 0);
	fake_pci_set32(fn, 0x04, 0x8003); /* status: a parity error latched */
	fake_pci_bar(fn, 0, 0xfd000008, 0xff000000);
	fake_pci_bar(fn, 2, 0xfebd0000, 0xfffff000);
	add_virtio_rng(PCI_BDF(0, 2, 0));
	/* A PCI bridge to bus 1, with a device behind it. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 3, 0), 0x1b36, 0x0001, 0x06040000, 1);
	fake_pci_set32(fn, 0x04, 0x0007);
	fake_pci_set32(fn, 0x18, 0x00010100); /* primary 0, secondary 1, subordinate 1 */
	fake_pci_bar(fn, 0, 0xfea00000, 0xffffff00);
	fn = fake_pci_add(&fake, PCI_BDF(1, 1, 0), 0x1af4, 0x1044, 0x00ff0001, 0);
	fake_pci_set32(fn, 0x3c, 0x0000020a); /* pin B */
	fake_pci_bar(fn, 1, 0xfe800000, 0xfffff000);
	/* ICH9: LPC (multi-function), SATA at .2, SMBus at .3. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 0x1f, 0), 0x8086, 0x2918, 0x06010002, 0x80);
	fn = fake_pci_add(&fake, PCI_BDF(0, 0x1f, 2), 0x8086, 0x2922, 0x01060102, 0);
	fake_pci_set32(fn, 0x04, 0x0407); /* INTx disabled */
	fake_pci_set32(fn, 0x3c, 0x0000010a);
	fake_pci_bar(fn, 4, 0xc061, 0xffffffe0);
	fake_pci_bar(fn, 5, 0xfebd2000, 0xfffff000);
	uint8_t *msi = fake_pci_cap(fn, 0x80, 0x05);
	msi[2] = 0x81; /* 64-bit, enabled, 1 vector */
	fn = fake_pci_add(&fake, PCI_BDF(0, 0x1f, 3), 0x8086, 0x2930, 0x0c050002, 0);
	fake_pci_bar(fn, 4, 0x0701, 0xffffffc0);
}

/* The scan only reads; a function's BARs are sized when asked, once. */
static void test_bars_are_sized_when_asked_and_once(void **state)
{
	(void)state;
	build_q35();
	struct hil_pci_config cfg = fake_pci_config(&fake);
	pci_scan(&cfg, &scan);
	expect_warnings(0);
	assert_int_equal(fake.writes, 0);
	for (unsigned i = 0; i < scan.count; i++) {
		assert_false(scan.functions[i].bars_read);
		for (unsigned b = 0; b < PCI_BARS; b++)
			assert_int_equal(scan.functions[i].bars[b].kind, PCI_BAR_NONE);
	}
	struct pci_function *vga = (struct pci_function *)found(0, 1, 0);
	pci_read_bars(&cfg, &scan, vga);
	assert_true(vga->bars_read);
	assert_int_equal(vga->bars[0].size, 16 * 1024 * 1024);
	unsigned writes = fake.writes;
	assert_true(writes > 0);
	pci_read_bars(&cfg, &scan, vga);
	assert_int_equal(fake.writes, writes);
	assert_false(found(0, 2, 0)->bars_read);
	assert_int_equal(found(0, 2, 0)->bars[0].kind, PCI_BAR_NONE);
}

static void test_q35_shape(void **state)
{
	(void)state;
	build_q35();
	struct fake_pci before;
	memcpy(&before, &fake, sizeof(before));
	run_scan();
	expect_warnings(0);

	assert_int_equal(scan.count, 8);
	assert_int_equal(scan.buses, 2);
	assert_int_equal(scan.dropped, 0);

	const struct pci_function *f = found(0, 0, 0);
	assert_int_equal(f->vendor, 0x8086);
	assert_int_equal(f->device, 0x29c0);
	assert_int_equal(f->class_code, 0x06);
	assert_int_equal(f->subclass, 0x00);
	for (unsigned i = 0; i < PCI_BARS; i++)
		assert_int_equal(f->bars[i].kind, PCI_BAR_NONE);
	assert_int_equal(f->irq_mode, PCI_IRQ_NONE);

	f = found(0, 1, 0);
	assert_int_equal(f->class_code, 0x03);
	assert_int_equal(f->revision, 0x02);
	assert_int_equal(f->bars[0].kind, PCI_BAR_MEM32);
	assert_true(f->bars[0].prefetchable);
	assert_int_equal(f->bars[0].base, 0xfd000000);
	assert_int_equal(f->bars[0].size, 16 * 1024 * 1024);
	assert_int_equal(f->bars[1].kind, PCI_BAR_NONE);
	assert_int_equal(f->bars[2].kind, PCI_BAR_MEM32);
	assert_false(f->bars[2].prefetchable);
	assert_int_equal(f->bars[2].size, 4096);

	f = found(0, 2, 0);
	assert_int_equal(f->device, 0x1005);
	assert_int_equal(f->bars[0].kind, PCI_BAR_IO);
	assert_int_equal(f->bars[0].base, 0xc040);
	assert_int_equal(f->bars[0].size, 32);
	assert_int_equal(f->bars[1].size, 4096);
	assert_int_equal(f->bars[4].kind, PCI_BAR_MEM64);
	assert_true(f->bars[4].prefetchable);
	assert_int_equal(f->bars[4].base, 0x800000000ull);
	assert_int_equal(f->bars[4].size, 16384);
	assert_int_equal(f->bars[5].kind, PCI_BAR_NONE); /* the upper half */
	assert_int_equal(f->msix_cap, 0x98);
	assert_int_equal(f->msix_vectors, 2);
	assert_int_equal(f->msix_table_bar, 1);
	assert_int_equal(f->msix_table_offset, 0);
	assert_int_equal(f->msix_pba_bar, 1);
	assert_int_equal(f->msix_pba_offset, 0x800);
	assert_int_equal(f->msi_cap, 0);
	assert_int_equal(f->vendor_cap_count, VIRTIO_VENDOR_CAPS);
	assert_int_equal(f->vendor_caps[0], 0x84);
	assert_int_equal(f->vendor_caps[4], 0x40);
	assert_int_equal(f->cap_count, 6);
	assert_int_equal(f->irq_pin, 1);
	assert_int_equal(f->irq_line, 11);
	assert_int_equal(f->irq_mode, PCI_IRQ_INTX); /* MSI-X present but off */

	f = found(0, 3, 0);
	assert_int_equal(f->header_type, 1);
	assert_int_equal(f->secondary_bus, 1);
	assert_int_equal(f->subordinate_bus, 1);
	assert_int_equal(f->bars[0].size, 256);

	f = found(1, 1, 0);
	assert_int_equal(f->device, 0x1044);
	assert_int_equal(f->bars[1].base, 0xfe800000);
	assert_int_equal(f->irq_pin, 2);

	found(0, 0x1f, 0);
	f = found(0, 0x1f, 2);
	assert_int_equal(f->msi_cap, 0x80);
	assert_true(f->msi_64bit);
	assert_int_equal(f->msi_vectors, 1);
	assert_int_equal(f->irq_mode, PCI_IRQ_MSI);
	assert_int_equal(f->bars[4].size, 32);
	f = found(0, 0x1f, 3);
	assert_int_equal(f->bars[4].size, 64);
	assert_int_equal(f->irq_mode, PCI_IRQ_NONE);

	/* Nothing was disturbed: no BAR written while its device decoded,
	 * and every register (command, the latched status bit, BARs) as it
	 * was. */
	assert_int_equal(fake.bar_writes_while_decoding, 0);
	for (unsigned i = 0; i < fake.count; i++)
		assert_memory_equal(fake.fns[i].cfg, before.fns[i].cfg, 256);
}

/* The decode window is real: without it the fake would count writes. */
static void test_sizing_switches_decode_off(void **state)
{
	(void)state;
	struct fake_pci_fn *fn =
		fake_pci_add(&fake, PCI_BDF(0, 4, 0), 0x1af4, 0x1000, 0x02000000, 0);
	fake_pci_set32(fn, 0x04, 0x0003);
	fake_pci_bar(fn, 0, 0xfebf0000, 0xffff0000);
	unsigned writes_before = fake.writes;
	run_scan();
	expect_warnings(0);
	assert_int_equal(fake.bar_writes_while_decoding, 0);
	/* Two BAR writes per BAR and two command writes around them. */
	assert_int_equal(fake.writes - writes_before, 6 * 2 + 2);
	assert_int_equal(fake_pci_get32(fn, 0x04) & 0xffff, 0x0003);
	assert_int_equal(found(0, 4, 0)->bars[0].size, 0x10000);
}

static void test_single_function_device_hides_others(void **state)
{
	(void)state;
	/* Function 0 without the multi-function bit: function 1 is not
	 * looked for (on real hardware it could be an alias of function 0). */
	fake_pci_add(&fake, PCI_BDF(0, 5, 0), 0x8086, 0x100e, 0x02000000, 0);
	fake_pci_add(&fake, PCI_BDF(0, 5, 1), 0x8086, 0x100e, 0x02000000, 0);
	/* No function 0 at all: the device is absent. */
	fake_pci_add(&fake, PCI_BDF(0, 6, 1), 0x8086, 0x100e, 0x02000000, 0);
	run_scan();
	expect_warnings(0);
	assert_int_equal(scan.count, 1);
	found(0, 5, 0);
}

/* ---- hostile configuration spaces -------------------------------------------- */

static void test_capability_loop(void **state)
{
	(void)state;
	struct fake_pci_fn *fn = fake_pci_add(&fake, PCI_BDF(0, 1, 0), 0x1af4, 0x1000, 0, 0);
	fake_pci_cap(fn, 0x40, 0x09);
	fake_pci_cap(fn, 0x50, 0x09);
	fake_pci_cap(fn, 0x60, 0x05);
	fn->cfg[0x61] = 0x40; /* 0x60 leads back to 0x40 */
	/* A list whose pointer points into the header. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 2, 0), 0x1af4, 0x1000, 0, 0);
	fake_pci_cap(fn, 0x40, 0x09);
	fn->cfg[0x41] = 0x10;
	/* A list that loops on itself at once. */
	fn = fake_pci_add(&fake, PCI_BDF(0, 3, 0), 0x1af4, 0x1000, 0, 0);
	fake_pci_cap(fn, 0xfc, 0x11); /* and MSI-X there would run past 0xff */
	fn->cfg[0xfd] = 0xfc;
	fake_pci_add(&fake, PCI_BDF(0, 4, 0), 0x1af4, 0x1001, 0, 0);
	run_scan();

	fake_log_expect("pci: 00:01.0: capability list loops back to 0x40");
	fake_log_expect("pci: 00:02.0: capability pointer 0x10 points into the header");
	fake_log_expect("pci: 00:03.0: MSI-X capability at 0xfc runs past configuration space");
	fake_log_expect("pci: 00:03.0: capability list loops back to 0xfc");
	expect_warnings(4);
	const struct pci_function *f = found(0, 1, 0);
	assert_int_equal(f->cap_count, 3);
	assert_int_equal(f->vendor_cap_count, 2);
	assert_int_equal(f->msi_cap, 0x60);
	assert_int_equal(found(0, 3, 0)->msix_cap, 0);
	found(0, 4, 0); /* the scan went on */
}

static void test_hostile_bars(void **state)
{
	(void)state;
	struct fake_pci_fn *fn = fake_pci_add(&fake, PCI_BDF(0, 1, 0), 0x1af4, 0x1000, 0, 0);
	fake_pci_bar(fn, 0, 0xffffffff, 0);          /* reads all ones */
	fake_pci_bar(fn, 1, 0xfe000000, 0xff00f000); /* a mask with holes */
	fake_pci_bar(fn, 2, 0xfe000006, 0xfffff000); /* reserved type 3 */
	fake_pci_bar(fn, 3, 0xfe100000, 0xfffff000); /* fine */
	fake_pci_bar(fn, 5, 0xfe200004, 0xfffff000); /* 64-bit in the last slot */
	fn = fake_pci_add(&fake, PCI_BDF(0, 2, 0), 0x1af4, 0x1000, 0, 0);
	fake_pci_bar(fn, 0, 0x00000001, 0x00000001); /* I/O with no address bits */
	fake_pci_bar(fn, 2, 0xfffffffc, 0xffffffff); /* 64-bit, all ones */
	fake_pci_bar(fn, 3, 0xffffffff, 0xffffffff);
	fake_pci_set32(fn, 0x3c, 0x0900); /* pin 9 */
	run_scan();

	fake_log_expect("pci: 00:01.0: BAR0 reads all ones: ignored");
	fake_log_expect("pci: 00:01.0: BAR1 size mask 0xff00f000 has holes; taking 4096 bytes");
	fake_log_expect("pci: 00:01.0: BAR2 has the reserved memory type 3");
	fake_log_expect("pci: 00:01.0: BAR5 is 64-bit but is the last BAR");
	fake_log_expect("pci: 00:02.0: I/O BAR0 reads back 0x00000001: no usable size");
	fake_log_expect("pci: 00:02.0: 64-bit BAR2 reads all ones: ignored");
	fake_log_expect("pci: 00:02.0: interrupt pin 9 is not INTA-INTD");
	expect_warnings(7);
	const struct pci_function *f = found(0, 1, 0);
	assert_int_equal(f->bars[0].kind, PCI_BAR_NONE);
	assert_int_equal(f->bars[1].size, 4096);
	assert_int_equal(f->bars[2].kind, PCI_BAR_NONE);
	assert_int_equal(f->bars[3].kind, PCI_BAR_MEM32);
	assert_int_equal(f->bars[3].base, 0xfe100000);
	assert_int_equal(f->bars[5].kind, PCI_BAR_NONE);
	f = found(0, 2, 0);
	assert_int_equal(f->bars[0].kind, PCI_BAR_NONE);
	assert_int_equal(f->bars[2].kind, PCI_BAR_NONE);
	assert_int_equal(f->irq_pin, 0);
	assert_int_equal(f->irq_mode, PCI_IRQ_NONE);
}

static struct fake_pci_fn *add_bridge(pci_bdf bdf, unsigned secondary, unsigned subordinate)
{
	struct fake_pci_fn *fn = fake_pci_add(&fake, bdf, 0x1b36, 0x0001, 0x06040000, 1);
	fake_pci_set32(fn, 0x18,
		       (uint32_t)subordinate << 16 | (uint32_t)secondary << 8 | PCI_BDF_BUS(bdf));
	return fn;
}

static void test_hostile_bridges(void **state)
{
	(void)state;
	add_bridge(PCI_BDF(0, 1, 0), 1, 1);
	add_bridge(PCI_BDF(0, 2, 0), 1, 1);          /* the same bus again */
	add_bridge(PCI_BDF(0, 3, 0), 0, 0);          /* not configured */
	add_bridge(PCI_BDF(1, 0, 0), 0x20, 0x10);    /* subordinate below secondary */
	add_bridge(PCI_BDF(0x20, 0, 0), 0x20, 0x20); /* a bridge to its own bus */
	add_bridge(PCI_BDF(0x20, 1, 0), 0, 0xff);    /* back to bus 0 */
	fake_pci_add(&fake, PCI_BDF(0x20, 2, 0), 0x1af4, 0x1005, 0, 0);
	run_scan();

	fake_log_expect("pci: 00:02.0: bridge's secondary bus 01 was already scanned: not again");
	fake_log_expect("pci: 00:03.0: bridge has no secondary bus number");
	fake_log_expect("pci: 01:00.0: bridge's subordinate bus 10 is below its secondary bus 20");
	fake_log_expect("pci: 20:00.0: bridge's secondary bus 20 was already scanned");
	fake_log_expect("pci: 20:01.0: bridge has no secondary bus number");
	expect_warnings(5);
	assert_int_equal(scan.buses, 3);
	assert_int_equal(scan.count, 7);
	found(0x20, 2, 0);
}

static void test_too_many_functions(void **state)
{
	(void)state;
	/* 9 multi-function devices of 8 functions: 72, and a bridge last. */
	for (unsigned dev = 0; dev < 9; dev++)
		for (unsigned fn = 0; fn < 8; fn++)
			fake_pci_add(&fake, PCI_BDF(0, dev, fn), 0x8086, 0x1000, 0, fn ? 0 : 0x80);
	add_bridge(PCI_BDF(0, 9, 0), 2, 2);
	fake_pci_add(&fake, PCI_BDF(2, 0, 0), 0x8086, 0x2000, 0, 0);
	run_scan();
	assert_int_equal(scan.count, PCI_SCAN_MAX_FUNCTIONS);
	assert_int_equal(scan.dropped, 72 + 1 + 1 - PCI_SCAN_MAX_FUNCTIONS);
	assert_int_equal(scan.buses, 2); /* the dropped bridge was still followed */
	fake_log_expect("pci: 10 functions found beyond the 64 kept");
	expect_warnings(1);
}

static void test_empty(void **state)
{
	(void)state;
	run_scan();
	expect_warnings(0);
	assert_int_equal(scan.count, 0);
	assert_int_equal(scan.buses, 1);
	assert_int_equal(fake.writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bars_are_sized_when_asked_and_once, setup),
		cmocka_unit_test_setup(test_q35_shape, setup),
		cmocka_unit_test_setup(test_sizing_switches_decode_off, setup),
		cmocka_unit_test_setup(test_single_function_device_hides_others, setup),
		cmocka_unit_test_setup(test_capability_loop, setup),
		cmocka_unit_test_setup(test_hostile_bars, setup),
		cmocka_unit_test_setup(test_hostile_bridges, setup),
		cmocka_unit_test_setup(test_too_many_functions, setup),
		cmocka_unit_test_setup(test_empty, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
