/*
 * rng_driver: random bytes for processes, as a syscall driver (TRD 104's
 * RNG driver number, 0x40001), over the rng HIL (kernel/hil/rng.h:
 * virtio-rng on the PC). docs/processes.md.
 *
 *   allow_rw 0        where the bytes go
 *   subscribe 0       done: fn(bytes written, 0, 0, userdata), or
 *                     fn(0, BUSY, 0, userdata) when the source gave no
 *                     answer in RNG_DRIVER_TIMEOUT_MS
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
 *
 * A source that never answers must not keep a process waiting in yield
 * for good: after RNG_DRIVER_TIMEOUT_MS the process gets its upcall with
 * BUSY instead of bytes. The request stays with the source, which still
 * owns the kernel buffer, so every request (a process's or the shell's)
 * is refused BUSY until the source answers; that late answer is dropped
 * as a gone process's would be.
 */
#ifndef KNOCK_CAPSULES_RNG_DRIVER_H
#define KNOCK_CAPSULES_RNG_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/hil/rng.h"
#include "kernel/syscall.h"

#define RNG_DRIVER_NUMBER 0x40001
#define RNG_DRIVER_MAX 256
/* As long as the shell's `rng` waits (RNG_COMMANDS_TIMEOUT_MS). */
#define RNG_DRIVER_TIMEOUT_MS 5000

struct rng_driver {
	struct syscall_driver driver;
	const struct hil_rng *rng; /* NULL: no source (command 1 is NODEVICE) */
	struct hil_rng_client client;
	struct process *waiting; /* whose request is out, or NULL */
	size_t want;
	uint8_t buf[RNG_DRIVER_MAX]; /* the source's while a request is out */
	struct alarm_mux *mux;       /* times a request out */
	struct alarm timeout;        /* armed while a process waits */
	uint64_t requests, bytes, dropped, timeouts;
};

/* `grant`: the grant number the board gives it; `mux` times requests
 * out (as rng_commands' does). Registers the driver. */
void rng_driver_init(struct rng_driver *rd, const struct hil_rng *rng, unsigned grant,
		     struct alarm_mux *mux);

#endif
