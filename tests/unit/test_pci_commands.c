/*
 * capsules/pci_commands.c: what `pci` prints for a function record: the
 * exact text of a virtio device with every kind of BAR and capability, of
 * a bridge, and of the interrupt modes; sizes in lspci's units; and a
 * buffer too small cut safely, with the length it would have needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/pci_commands.h"

static struct pci_function virtio(void)
{
	struct pci_function f;
	memset(&f, 0, sizeof(f));
	f.bdf = PCI_BDF(0, 3, 0);
	f.vendor = 0x1af4;
	f.device = 0x1005;
	f.class_code = 0x00;
	f.subclass = 0xff;
	f.irq_pin = 1;
	f.irq_line = 11;
	f.irq_mode = PCI_IRQ_INTX;
	f.bars[0] = (struct pci_bar){ PCI_BAR_IO, false, 0xc040, 32 };
	f.bars[1] = (struct pci_bar){ PCI_BAR_MEM32, false, 0xfebd1000, 4096 };
	f.bars[4] = (struct pci_bar){ PCI_BAR_MEM64, true, 0x800000000ull, 16384 };
	f.msix_cap = 0x98;
	f.msix_vectors = 2;
	f.msix_table_bar = 1;
	f.vendor_cap_count = 5;
	return f;
}

static void test_virtio_device(void **state)
{
	(void)state;
	struct pci_function f = virtio();
	char out[512];
	size_t need = pci_describe(&f, out, sizeof(out));
	const char *want =
		"00:03.0 1af4:1005 class 00ff00 unclassified: irq INTx pin A (line 11); msi-x 2 vectors (table bar1+0x0); 5 vendor caps\n"
		"  bar0 io 0xc040 [size=32]\n"
		"  bar1 mem32 0xfebd1000 [size=4K]\n"
		"  bar4 mem64 prefetchable 0x800000000 [size=16K]\n";
	assert_string_equal(out, want);
	assert_int_equal(need, strlen(want) + 1);
}

static void test_modes_and_bridge(void **state)
{
	(void)state;
	struct pci_function f;
	char out[512];

	memset(&f, 0, sizeof(f));
	f.bdf = PCI_BDF(0, 0x1f, 2);
	f.vendor = 0x8086;
	f.device = 0x2922;
	f.class_code = 0x01;
	f.subclass = 0x06;
	f.prog_if = 0x01;
	f.irq_mode = PCI_IRQ_MSI;
	f.msi_cap = 0x80;
	f.msi_vectors = 1;
	f.msi_64bit = true;
	f.bars[5] = (struct pci_bar){ PCI_BAR_MEM32, false, 0xfebd2000, 0x1000 };
	pci_describe(&f, out, sizeof(out));
	assert_string_equal(out,
			    "00:1f.2 8086:2922 class 010601 storage: irq MSI; msi 1 vector 64-bit\n"
			    "  bar5 mem32 0xfebd2000 [size=4K]\n");

	memset(&f, 0, sizeof(f));
	f.bdf = PCI_BDF(0x12, 0x1c, 7);
	f.vendor = 0x1b36;
	f.device = 0x000c;
	f.class_code = 0x06;
	f.subclass = 0x04;
	f.header_type = 0x81;
	f.secondary_bus = 0x13;
	f.subordinate_bus = 0x14;
	f.irq_mode = PCI_IRQ_MSIX;
	f.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, false, 0xfe000000, 3 * 1024 };
	f.bars[1] = (struct pci_bar){ PCI_BAR_MEM64, true, 0, 1ull << 33 };
	pci_describe(&f, out, sizeof(out));
	assert_string_equal(
		out, "12:1c.7 1b36:000c class 060400 PCI bridge: irq MSI-X; buses 13-14 behind\n"
		     "  bar0 mem32 0xfe000000 [size=3K]\n"
		     "  bar1 mem64 prefetchable 0x0 [size=8G]\n");

	f.irq_mode = PCI_IRQ_NONE;
	f.class_code = 0x42;
	f.header_type = 0;
	memset(f.bars, 0, sizeof(f.bars));
	pci_describe(&f, out, sizeof(out));
	assert_string_equal(out, "12:1c.7 1b36:000c class 420400 other: irq none\n");
}

static void test_small_buffer(void **state)
{
	(void)state;
	struct pci_function f = virtio();
	char full[512], out[40];
	size_t need = pci_describe(&f, full, sizeof(full));
	memset(out, 'x', sizeof(out));
	assert_int_equal(pci_describe(&f, out, 20), need);
	assert_int_equal(strlen(out), 19);
	assert_memory_equal(out, full, 19);
	assert_int_equal(out[20], 'x');
	assert_int_equal(pci_describe(&f, NULL, 0), need);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_device),
		cmocka_unit_test(test_modes_and_bridge),
		cmocka_unit_test(test_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
