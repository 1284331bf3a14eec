/*
 * flood (hostile, for the tests): asks the console for 100 one-byte
 * writes without ever yielding, so 100 write-done upcalls pile up for it.
 * Its queue holds UPCALL_QUEUE_LEN (16); the rest are refused and counted
 * (`ps` shows them as dropped), never silently lost and never more memory.
 */
#include "libknock/knock.h"

int main(void)
{
	static const char dot = '.';
	unsigned accepted = 0;

	knock_subscribe(1, 0, (knock_upcall)0, 0);
	/* Any function will do: it only has to be subscribed. */
	knock_subscribe(1, 0, (knock_upcall)(uintptr_t)&main, 0);
	knock_allow_ro(1, 0, &dot, 1);
	for (int i = 0; i < 100; i++)
		if (knock_command(1, 1, 1, 0).variant >= KNOCK_SUCCESS)
			accepted++;
	knock_allow_ro(1, 0, NULL, 0);
	knock_printf("\nflood: %u writes asked without yielding\n", accepted);
	return 0;
}
