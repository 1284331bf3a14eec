/* undefined (hostile, for the tests): runs ud2, an invalid opcode. */
#include "libknock/knock.h"

int main(void)
{
	knock_puts("undefined: ud2\n");
	__builtin_trap();
}
