/*
 * recurse (hostile, for the tests): recursion without end. The stack runs
 * into the guard page under it: a page fault the report calls a stack
 * overflow.
 */
#include "libknock/knock.h"

/* Where the recursion would stop: an address no depth reaches. The
 * compiler cannot know that, so it keeps every frame. */
static uint64_t limit;

static uint64_t down(uint64_t n)
{
	char frame[256];

	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (char)(n + i);
	if (n == limit)
		return (uint64_t)frame[n % sizeof(frame)];
	return down(n + 1) + (uint64_t)frame[(n + 7) % sizeof(frame)];
}

int main(void)
{
	limit = knock_memop(3, 0).v[0]; /* the break: far more frames than the stack has */
	knock_puts("recurse: going down\n");
	return (int)down(0);
}
