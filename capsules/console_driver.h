/*
 * console_driver: the console as a syscall driver (TRD 104 driver 0x1),
 * so processes can write to it (docs/processes.md).
 *
 *   allow_ro 0        the bytes to write
 *   subscribe 0       write done: fn(bytes written, 0, 0, userdata)
 *   command 0         exists
 *   command 1, n      write the first n bytes of the allowed buffer
 *
 * A write takes what the console's ring has room for now (maybe less
 * than n, maybe 0 while the serial line drains) and says how much in the
 * upcall; libknock writes the rest. Reading a line is not done yet.
 */
#ifndef KNOCK_CAPSULES_CONSOLE_DRIVER_H
#define KNOCK_CAPSULES_CONSOLE_DRIVER_H

#include "capsules/console.h"
#include "kernel/syscall.h"

#define CONSOLE_DRIVER_NUMBER 0x1

struct console_driver {
	struct syscall_driver driver;
	struct console *console;
	uint64_t bytes; /* written for processes, since boot */
};

/* `grant`: the grant number the board gives it. Registers the driver. */
void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant);

#endif
