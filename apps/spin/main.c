/*
 * spin (hostile, for the tests): says it starts, then never yields. Every
 * knock still reaches the loop (docs/processes.md), so the shell keeps
 * answering while it spins.
 */
#include "libknock/knock.h"

int main(void)
{
	knock_puts("spin: spinning\n");
	for (;;)
		; /* C11 6.8.5p6: a loop with a constant condition may not be assumed to end */
}
