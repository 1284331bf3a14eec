/*
 * noncanonical (hostile, for the tests): jumps to 0x800000000000, an
 * address no page table can map (not canonical): a general protection
 * fault.
 */
#include "libknock/knock.h"

int main(void)
{
	void (*nowhere)(void) = (void (*)(void))(uintptr_t)0x800000000000ull;

	knock_puts("noncanonical: jumping\n");
	nowhere();
	return 0;
}
