/*
 * The PCI listing, as a shell command set (capsules/shell.h):
 *   pci     every function the boot scan found, like lspci: bus:device.
 *           function, vendor:device, class, the interrupt mode in use,
 *           MSI/MSI-X and vendor capabilities, and each BAR with its size
 *
 * The scan itself is the board's (board/pc/wire_pci.c, over
 * chips/x86_64/pci_parse.h); this set reads its records, plain data from
 * kernel/hil/pci.h, and never touches configuration space itself: the
 * board's hook sizes the BARs nobody had wanted yet before a listing.
 *
 *	static struct pci_commands pci_cmds;
 *	pci_commands_init(&pci_cmds, scan->functions, scan->count, "ECAM",
 *			  board_pci_read_all_bars);
 *	shell_register(&shell, &pci_cmds.set);
 */
#ifndef KNOCK_CAPSULES_PCI_COMMANDS_H
#define KNOCK_CAPSULES_PCI_COMMANDS_H

#include <stddef.h>

#include "capsules/shell.h"
#include "kernel/hil/pci.h"

struct pci_commands {
	const struct pci_function *functions; /* the board's, read only */
	unsigned count;
	const char *method; /* how configuration space was reached; NULL: not */
	/* Before each listing: the board sizes the BARs nobody has wanted
	 * yet (kernel/hil/pci.h, `bars_read`); NULL if there is nothing to do. */
	void (*read_bars)(void);
	struct shell_command_set set;
};

void pci_commands_init(struct pci_commands *c, const struct pci_function *functions, unsigned count,
		       const char *method, void (*read_bars)(void));

/*
 * One function as `pci` shows it: a line "BB:DD.F vvvv:dddd class ccsspp
 * <class name>: irq <mode>[; msi ...][; msi-x ...][; N vendor caps]", then
 * one line per BAR, "  barN io|mem32|mem64 [prefetchable ]0x<base>
 * [size=<n>[K|M|G]]". Writes at most n bytes (NUL included); returns the
 * length it needed, like snprintf.
 */
size_t pci_describe(const struct pci_function *f, char *out, size_t n);

#endif
