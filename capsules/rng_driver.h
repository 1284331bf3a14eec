/*
 * rng_driver: random bytes for processes, as a syscall driver (TRD 104's
 * RNG driver number, 0x40001), over the rng HIL (kernel/hil/rng.h:
 * virtio-rng on the PC). docs/processes.md.
 *
 *   allow_rw 0        where the bytes go
 *   subscribe 0       done: fn(bytes written, 0, 0, userdata)
 *   command 0         exists
 *   command 1, n      fill the first n bytes of the allowed buffer
 *                     (SIZE: n is 0, more than the buffer or than
 *                     RNG_DRIVER_MAX; BUSY: a request, a process's or the
 *                     shell's `rng`, is under way; NODEVICE: no source)
 *
 * One request at a time, into a kernel buffer (the source writes there
 * later, from the loop: never into a process's memory, which may be gone
 * by then); when it is full the bytes are copied into the process's
 * buffer, checked again, and the upcall says how many. A process that
 * goes away (exit, fault, kill, restart) while its request is out loses
 * it: the bytes are dropped when they come.
 */
#ifndef KNOCK_CAPSULES_RNG_DRIVER_H
#define KNOCK_CAPSULES_RNG_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/rng.h"
#include "kernel/syscall.h"

#define RNG_DRIVER_NUMBER 0x40001
#define RNG_DRIVER_MAX 256

struct rng_driver {
	struct syscall_driver driver;
	const struct hil_rng *rng; /* NULL: no source (command 1 is NODEVICE) */
	struct hil_rng_client client;
	struct process *waiting; /* whose request is out, or NULL */
	size_t want;
	uint8_t buf[RNG_DRIVER_MAX]; /* the source's while a request is out */
	uint64_t requests, bytes, dropped;
};

/* `grant`: the grant number the board gives it. Registers the driver. */
void rng_driver_init(struct rng_driver *rd, const struct hil_rng *rng, unsigned grant);

#endif
