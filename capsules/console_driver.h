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
 * than n) and says how much in the upcall; libknock writes the rest. When
 * the ring has no room at all, the process is not answered until it has
 * (the console's room notification), so a process writing faster than
 * the serial line drains waits in yield instead of spinning. Reading a
 * line is not done yet.
 */
#ifndef KNOCK_CAPSULES_CONSOLE_DRIVER_H
#define KNOCK_CAPSULES_CONSOLE_DRIVER_H

#include "capsules/console.h"
#include "kernel/syscall.h"

#define CONSOLE_DRIVER_NUMBER 0x1
/* Processes that can wait for room at once. */
#define CONSOLE_DRIVER_WAITERS 8

struct console_driver {
	struct syscall_driver driver;
	struct console *console;
	struct console_room_client room;
	struct process *waiting[CONSOLE_DRIVER_WAITERS]; /* NULL: free */
	uint64_t bytes;                                  /* written for processes, since boot */
	uint64_t waits;                                  /* writes that waited for room */
};

/* `grant`: the grant number the board gives it. Registers the driver. */
void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant);

#endif
