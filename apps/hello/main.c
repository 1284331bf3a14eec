/*
 * hello: the first example app. Says hello from ring 3 with what knock
 * told it about its memory, and exits.
 */
#include "libknock/knock.h"

int main(void)
{
	uint64_t start = knock_memop(2, 0).v[0];
	uint64_t brk = knock_memop(3, 0).v[0];

	knock_printf("hello from ring 3: memory at %p, break at %p\n", (void *)start, (void *)brk);
	return 0;
}
