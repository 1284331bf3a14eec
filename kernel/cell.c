/*
 * The one check behind every cell operation (kernel/cell.h): cells belong
 * to the loop, and the loop owns them without locks only because nothing
 * else touches them. An exception handler running C (handler_depth > 0)
 * that reaches a cell would break that, so it panics instead.
 */
#include "cell.h"

#include "arch.h"
#include "cpu.h"
#include "panic.h"

void kernel_assert_loop_context(const char *what)
{
	unsigned depth = arch_this_cpu()->handler_depth;

	if (depth != 0)
		panic("%s outside loop context (handler depth %u)", what, depth);
}
