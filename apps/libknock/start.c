/*
 * Where a process starts: knock enters at _start with RSP at the top of
 * the stack (16-aligned) and RDI = its memory's start, RSI = the heap's
 * start, RDX = the region's size. The `call` gives knock_start the stack
 * alignment a C function expects; main's return value is the exit code.
 */
#include "knock.h"

__asm__(".section .text.start, \"ax\"\n"
	".global _start\n"
	"_start:\n\t"
	"xor %ebp, %ebp\n\t"
	"call knock_start\n\t"
	"ud2\n"
	".text\n");

_Noreturn void knock_start(void);

_Noreturn void knock_start(void)
{
	knock_exit((uint64_t)main());
}
