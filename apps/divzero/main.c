/*
 * divzero (hostile, for the tests): divides by a zero the compiler cannot
 * see (the difference of two identical calls), a divide error.
 */
#include "libknock/knock.h"

int main(void)
{
	uint64_t a = knock_memop(2, 0).v[0];
	uint64_t b = knock_memop(2, 0).v[0];

	knock_puts("divzero: dividing\n");
	return (int)(a / (a - b));
}
