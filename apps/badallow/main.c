/*
 * badallow (hostile, for the tests): hands the console a kernel pointer
 * to read from, then a buffer running past its own memory. Each must come
 * back as an error code (INVAL), never as a fault in the kernel; then it
 * says so and exits with the number of refusals.
 */
#include "libknock/knock.h"

int main(void)
{
	static char mine[16] = "mine";
	int refused = 0;

	struct knock_result r = knock_allow_ro(1, 0, (const void *)(uintptr_t)0x100000, 64);
	if (r.variant < KNOCK_SUCCESS && r.v[0] == KNOCK_EINVAL)
		refused++;
	r = knock_allow_ro(1, 0, mine, (size_t)1 << 40);
	if (r.variant < KNOCK_SUCCESS && r.v[0] == KNOCK_EINVAL)
		refused++;
	r = knock_allow_rw(1, 0, (void *)(uintptr_t)0x8000000000ull, 16); /* its own text */
	if (r.variant < KNOCK_SUCCESS)
		refused++;
	knock_printf("badallow: %d of 3 bad buffers refused\n", refused);
	return refused;
}
