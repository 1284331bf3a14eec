/*
 * jumpkernel (hostile, for the tests): calls into the kernel's text at
 * 1 MiB. The page is supervisor-only: an instruction fetch page fault.
 */
#include "libknock/knock.h"

int main(void)
{
	void (*kernel)(void) = (void (*)(void))(uintptr_t)0x100000;

	knock_puts("jumpkernel: calling 0x100000\n");
	kernel();
	return 0;
}
