/*
 * HIL: a UART with interrupt-driven receive and transmit.
 *
 * Tock-style buffer ownership: transmit() hands the buffer to the UART; the
 * UART hands it back in transmitted(). Until then the caller must not touch
 * it. The UART's interrupt is a pending bit; its owner (the console
 * capsule) calls service() from the loop, which drains the receive FIFO
 * completely (so a coalesced bit loses no byte), refills the transmit FIFO
 * and makes the callbacks.
 */
#ifndef KNOCK_KERNEL_HIL_UART_H
#define KNOCK_KERNEL_HIL_UART_H

#include <stddef.h>
#include <stdint.h>

struct hil_uart_client {
	void *ctx;
	/* Bytes taken from the receive FIFO; `errors` counts overrun/parity/
	 * framing errors the UART reported while they arrived. */
	void (*received)(void *ctx, const uint8_t *bytes, size_t n, unsigned errors);
	/* The buffer given to transmit() is back with its owner. */
	void (*transmitted)(void *ctx, const uint8_t *buf, size_t len);
};

struct hil_uart {
	void *hw;
	void (*set_client)(void *hw, const struct hil_uart_client *client);
	/* Returns 0, or -1 while another transmission is in progress. */
	int (*transmit)(void *hw, const uint8_t *buf, size_t len);
	void (*service)(void *hw);
};

#endif
