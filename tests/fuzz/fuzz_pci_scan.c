/*
 * Fuzz the PCI scanner (chips/x86_64/pci_parse.c) over synthetic
 * configuration spaces built from the input (tests/unit/fake_pci.h).
 *
 * Input: records, each
 *   bus, devfn             2 bytes: where the function sits
 *   n                      1 byte: configuration bytes given (0 means 256)
 *   config                 n bytes (the rest of the 256 are zero)
 *   writable               24 bytes: per BAR dword, the bits software may write
 * until the input runs out (a short last record is zero-filled).
 *
 * Checked on every input: the scan ends (libFuzzer's timeout), it keeps
 * at most PCI_SCAN_MAX_FUNCTIONS, every function it lists exists and is
 * listed once, it sizes no BAR (that is pci_read_bars(), run on every
 * function after it), every BAR sized has a power-of-two size, no BAR was
 * written while its function decoded, and every register of every function
 * reads as it did before the scan and the sizing.
 */
#include <stdint.h>
#include <string.h>

#include "chips/x86_64/pci_parse.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_pci.h"

static struct fake_pci fake, before;
static struct pci_scan scan;

static size_t take(const uint8_t **data, size_t *size, void *out, size_t n)
{
	size_t k = n < *size ? n : *size;
	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
	return k;
}

static void build(const uint8_t *data, size_t size)
{
	fake_pci_init(&fake);
	while (size >= 3 && fake.count < FAKE_PCI_MAX) {
		uint8_t head[3];
		take(&data, &size, head, sizeof(head));
		struct fake_pci_fn *fn = &fake.fns[fake.count++];
		fn->bdf = (pci_bdf)(head[0] << 8 | head[1]);
		size_t n = head[2] ? head[2] : sizeof(fn->cfg);
		uint8_t cfg[256];
		take(&data, &size, cfg, n);
		memset(cfg + n, 0, sizeof(cfg) - n);
		memcpy(fn->cfg, cfg, sizeof(cfg));
		uint8_t w[4 * PCI_BARS];
		take(&data, &size, w, sizeof(w));
		for (unsigned i = 0; i < PCI_BARS; i++)
			fn->bar_writable[i] = (uint32_t)fuzz_le(w + 4 * i, 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	build(data, size);
	memcpy(&before, &fake, sizeof(before));
	struct hil_pci_config cfg = fake_pci_config(&fake);
	pci_scan(&cfg, &scan);
	for (unsigned i = 0; i < scan.count; i++) {
		FUZZ_CHECK(!scan.functions[i].bars_read);
		pci_read_bars(&cfg, &scan, &scan.functions[i]);
		FUZZ_CHECK(scan.functions[i].bars_read);
	}

	FUZZ_CHECK(scan.count <= PCI_SCAN_MAX_FUNCTIONS);
	FUZZ_CHECK(scan.buses >= 1 && scan.buses <= 256);
	for (unsigned i = 0; i < scan.count; i++) {
		const struct pci_function *f = &scan.functions[i];
		FUZZ_CHECK(fake_pci_find(&fake, f->bdf) != NULL);
		FUZZ_CHECK(pci_scan_find(&scan, f->bdf) == f);
		for (unsigned b = 0; b < PCI_BARS; b++) {
			uint64_t sz = f->bars[b].size;
			if (f->bars[b].kind == PCI_BAR_NONE)
				FUZZ_CHECK(sz == 0);
			else
				FUZZ_CHECK(sz != 0 && (sz & (sz - 1)) == 0);
		}
		FUZZ_CHECK(f->vendor_cap_count <= PCI_VENDOR_CAPS);
		FUZZ_CHECK(f->cap_count <= 48);
	}
	FUZZ_CHECK(fake.bar_writes_while_decoding == 0);
	for (unsigned i = 0; i < fake.count; i++)
		FUZZ_CHECK(memcmp(fake.fns[i].cfg, before.fns[i].cfg, 256) == 0);
	return 0;
}
