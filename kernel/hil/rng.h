/*
 * HIL: a source of random bytes (virtio-rng on the PC).
 *
 * Asynchronous, one request at a time: get() starts filling `buf` with
 * `len` bytes and returns 0, or -1 if a request is already under way or
 * the length is not one the source takes; the client's ready() gets the
 * same buffer back, full, later, from the loop (never from inside get()).
 * The buffer is the source's until then. A source may have several
 * clients (the shell's `rng`, the processes' driver): each sets itself
 * with set_client() right after a get() that succeeded, so ready() goes
 * to the client of the request under way.
 */
#ifndef KNOCK_KERNEL_HIL_RNG_H
#define KNOCK_KERNEL_HIL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct hil_rng_client {
	void (*ready)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

struct hil_rng {
	void *hw;
	int (*get)(void *hw, uint8_t *buf, size_t len);
	void (*set_client)(void *hw, const struct hil_rng_client *client);
};

#endif
