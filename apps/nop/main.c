/*
 * nop (for `make bench`): every 100 ms, on its virtual alarm, one no-op
 * system call: "does the console driver exist?" (command 0, which every
 * driver answers with success and nothing else). tools/bench_processes.py
 * counts its round trip (syscall_instructions) from libknock's labels
 * knock_exists_syscall to knock_exists_done.
 */
#include "libknock/knock.h"

#define PERIOD_US 100000
#define CONSOLE 1

int main(void)
{
	knock_puts("nop: a no-op command every 100 ms\n");
	for (;;) {
		knock_alarm_sleep_us(PERIOD_US);
		if (!knock_driver_exists(CONSOLE))
			knock_puts("nop: the console driver does not exist?\n");
	}
}
