/*
 * readkernel (hostile, for the tests): reads the kernel's first page of
 * text at 1 MiB. The kernel's pages are supervisor-only: a page fault,
 * reported with this process's name, and nothing else stops.
 */
#include "libknock/knock.h"

int main(void)
{
	const uint64_t *kernel = (const uint64_t *)(uintptr_t)0x100000;
	knock_printf("readkernel: reading %p\n", (const void *)kernel);
	knock_printf("readkernel: read %lx (must never print)\n", *kernel);
	return 0;
}
