/* breakpoint (hostile, for the tests): an int3 in ring 3. */
#include "libknock/knock.h"

int main(void)
{
	knock_puts("breakpoint: int3\n");
	knock_breakpoint();
	return 0;
}
