/*
 * Host fake of a UART (kernel/hil/uart.h) for capsule tests that need a
 * console: transmit() takes a buffer; fake_uart_complete() plays the
 * transmit-empty interrupt (the bytes go on `wire`, the buffer goes back
 * through transmitted()); fake_uart_receive() plays received bytes.
 * Nothing happens by itself, so a test decides when the line drains.
 */
#ifndef KNOCK_TEST_FAKE_UART_H
#define KNOCK_TEST_FAKE_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/uart.h"

struct fake_uart {
	struct hil_uart hil; /* hil.hw points back at this fake */
	const struct hil_uart_client *client;
	const uint8_t *buf; /* in flight */
	size_t len;
	unsigned transmits;
	char wire[1 << 18]; /* everything sent, NUL-terminated */
	size_t wire_len;
};

void fake_uart_init(struct fake_uart *u);
/* Finish the transmission in flight; false if there was none. */
bool fake_uart_complete(struct fake_uart *u);
void fake_uart_receive(struct fake_uart *u, const void *bytes, size_t n);

#endif
