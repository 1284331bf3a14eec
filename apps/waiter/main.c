/*
 * waiter (for the tests): says it waits, then waits in yield forever. No
 * upcall ever comes, so knock never runs it again, and a system whose
 * processes all wait like this takes no interrupt at all.
 */
#include "libknock/knock.h"

int main(void)
{
	knock_puts("waiter: waiting\n");
	for (;;)
		knock_yield();
}
