/*
 * nop (for `make bench`): every 100 ms, on its virtual alarm, one no-op
 * system call: command 0 of the console driver ("does the driver
 * exist?"), which every driver answers with success and nothing else. Its
 * `syscall` instruction and the one after it carry the global labels
 * nop_command and nop_command_done, so tools/bench_paths.py counts the
 * round trip (syscall_instructions) from the one to the other.
 */
#include "libknock/knock.h"

#define PERIOD_US 100000
#define CONSOLE 1

/* Out of line, so the labels are defined once. */
static __attribute__((noinline)) uint64_t no_op(void)
{
	register uint64_t rax __asm__("rax") = 2; /* command */
	register uint64_t rdi __asm__("rdi") = CONSOLE;
	register uint64_t rsi __asm__("rsi") = 0; /* command 0: exists */
	register uint64_t rdx __asm__("rdx") = 0;
	register uint64_t r10 __asm__("r10") = 0;

	__asm__ volatile(".globl nop_command\n"
			 "nop_command:\n\t"
			 "syscall\n"
			 ".globl nop_command_done\n"
			 "nop_command_done:"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
			 :
			 : "rcx", "r8", "r9", "r11", "memory");
	return rax;
}

int main(void)
{
	knock_puts("nop: a no-op command every 100 ms\n");
	for (;;) {
		knock_alarm_sleep_us(PERIOD_US);
		uint64_t variant = no_op();
		if (variant != 128) /* success */
			knock_printf("nop: command 0 answered %lu\n", (unsigned long)variant);
	}
}
