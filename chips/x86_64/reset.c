/*
 * Reset the PC, most polite method first:
 * 1. the FADT's reset register, when the FADT has one (acpi_reset());
 * 2. the 8042 keyboard controller's reset line (command 0xfe), which works
 *    on QEMU's pc and q35 machines and most real PCs;
 * 3. a triple fault: an empty IDT plus an interrupt, which resets every PC.
 * Ctrl-Alt-Del, the shell's `reboot` and `panic=reboot` all come here.
 *
 * Spec: ACPI Specification 6.5, 4.8.4.6 (reset register) and 5.2.9 (FADT
 * RESET_REG, RESET_VALUE); IBM PC AT Technical Reference (8042 command 0xfe
 * pulses the reset line).
 */
#include <stdint.h>

#include "chips/x86_64/acpi.h"
#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/reset.h"

#define I8042_STATUS 0x64
#define I8042_STATUS_INPUT_FULL 0x02
#define I8042_CMD_PULSE_RESET 0xfe

_Noreturn void x86_reset(void)
{
	__asm__ volatile("cli");
	acpi_reset(acpi_platform());
	for (int i = 0; i < 100000 && (inb(I8042_STATUS) & I8042_STATUS_INPUT_FULL); i++)
		;
	outb(I8042_STATUS, I8042_CMD_PULSE_RESET);
	for (int i = 0; i < 1000000; i++)
		io_wait();

	static const struct descriptor_ptr no_idt = { 0, 0 };
	lidt(&no_idt);
	__asm__ volatile("int3");
	for (;;)
		__asm__ volatile("hlt");
}
