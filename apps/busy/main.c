/*
 * busy (for the tests): like spin, never yields, but says nothing. With
 * spin it makes two processes that never give up the CPU, which only the
 * timeslice shares (a process that runs alone is not sliced:
 * docs/processes.md).
 */
#include "libknock/knock.h"

int main(void)
{
	for (;;)
		; /* C11 6.8.5p6: a loop with a constant condition may not be assumed to end */
}
