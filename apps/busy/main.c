/*
 * busy (for the tests): like spin, never yields, but says nothing. With
 * spin it makes two processes that never give up the CPU, which only the
 * timeslice shares (a process that runs alone is not sliced:
 * docs/processes.md).
 */
#include "libknock/knock.h"

int main(void)
{
	volatile uint64_t n = 0;

	for (;;)
		n++;
}
