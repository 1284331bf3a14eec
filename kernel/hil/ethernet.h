/*
 * HIL: an Ethernet interface (virtio-net on the PC), as a protocol capsule
 * sees it: frames come in one at a time, lent to the client for the length
 * of one call, and the client may answer each by rewriting it in place.
 *
 * receive() gets a frame of `len` bytes in a buffer of `cap` bytes (the
 * interface's, reachable by the device). It may read and rewrite the whole
 * buffer, and returns the length of the frame to send back out of it (at
 * most `cap`), or 0 to send nothing; either way the buffer is the
 * interface's again when receive() returns, and the client keeps no
 * pointer into it. An answer made this way costs no copy: the buffer the
 * device wrote goes to the transmit queue as it is.
 *
 * receive() runs from the loop (the interface's receive bit), never from
 * inside a call the client made.
 */
#ifndef KNOCK_KERNEL_HIL_ETHERNET_H
#define KNOCK_KERNEL_HIL_ETHERNET_H

#include <stddef.h>
#include <stdint.h>

#define ETH_ADDR_LEN 6

struct hil_ethernet_client {
	size_t (*receive)(void *ctx, uint8_t *frame, size_t len, size_t cap);
	void *ctx;
};

struct hil_ethernet {
	void *hw;
	/* The interface's MAC address. */
	void (*mac)(void *hw, uint8_t out[ETH_ADDR_LEN]);
	void (*set_client)(void *hw, const struct hil_ethernet_client *client);
};

#endif
