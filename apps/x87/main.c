/*
 * x87 (hostile, for the tests): runs an x87 instruction, which the apps'
 * compiler flags never produce (-mgeneral-regs-only). knock does not
 * switch floating-point state between processes, so it keeps the x87
 * unit off while they run (CR0.EM): the instruction is this process's
 * fault (#NM, device not available), never registers shared with another
 * process. The instruction is bytes in .text (apps have no inline asm).
 */
#include "libknock/knock.h"

/* fld1; ret */
__attribute__((section(".text"))) static const unsigned char fld1[] = { 0xd9, 0xe8, 0xc3 };

int main(void)
{
	knock_puts("x87: loading 1.0 on the x87 stack\n");
	((void (*)(void))(uintptr_t)fld1)();
	knock_puts("x87: it ran (the x87 unit is on)\n");
	return 1;
}
