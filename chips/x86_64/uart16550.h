/*
 * 16550A UART on COM1, two ways:
 *
 * - Polled (uart_init, uart_write): early boot and panic output. Needs no
 *   interrupt, no loop and no memory but a few statics, so it works when
 *   nothing else does.
 * - Interrupt-driven (struct uart16550, kernel/hil/uart.h): what the
 *   console uses once the loop runs. The UART's interrupt only knocks (sets
 *   its pending bit); the loop then calls service(), which drains the
 *   receive FIFO completely, refills the transmit FIFO and makes the
 *   callbacks.
 *
 * Both may write the same UART: after the switch to interrupts, only panic
 * output still takes the polled path (interrupts are off by then).
 */
#ifndef KNOCK_CHIPS_UART16550_H
#define KNOCK_CHIPS_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/uart.h"

#define COM1_BASE 0x3f8
#define UART16550_FIFO_SIZE 16

/*
 * The receive FIFO level at which the UART interrupts. A streaming line
 * overruns the 16-byte FIFO (16 - trigger) byte times after the knock:
 * at 14, the datasheet's deepest level and what this driver first asked
 * for, that is 2 byte times, 174 us at 115200 baud, less than many a
 * capsule's callback; at 4 it is 12, 1.04 ms, the piece of long work
 * docs/capsules.md asks capsules to stay under (section 6; the bake-off,
 * docs/bakeoff.md, shows the loss when they do not). The price is an
 * interrupt per 4 bytes of a paste instead of per 14, which the loop
 * coalesces anyway. (Linux asks a 16550A for 8.)
 */
#define UART16550_RX_TRIGGER 4
_Static_assert(UART16550_RX_TRIGGER == 1 || UART16550_RX_TRIGGER == 4 ||
		       UART16550_RX_TRIGGER == 8 || UART16550_RX_TRIGGER == 14,
	       "a 16550 interrupts at 1, 4, 8 or 14 received bytes");
/* The FIFO Control Register (PC16550D): bits 0-2 turn the FIFOs on and
 * clear both, bits 7:6 pick a receive trigger of 1, 4, 8 or 14 bytes. */
#define UART16550_FCR_ENABLE_CLEAR(trigger) \
	(0x07 | ((trigger) == 1 ? 0x00 : (trigger) == 4 ? 0x40 : (trigger) == 8 ? 0x80 : 0xc0))

/* 115200 8N1, FIFOs on, interrupts off. Returns false if no UART answers
 * at `base`. */
bool uart_init(uint16_t base);
/* Polled write; "\n" becomes "\r\n". Bytes the UART never accepts (a
 * bounded wait) are counted in uart_dropped, not waited for forever. */
void uart_write(const char *s, size_t n);
extern uint64_t uart_dropped;

struct uart16550_stats {
	uint64_t services;   /* service() calls */
	uint64_t interrupts; /* causes the UART reported in IIR */
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t tx_fifo_fills; /* times the transmit FIFO was refilled */
	uint64_t overrun;       /* LSR error bits, as the UART reported them */
	uint64_t parity;
	uint64_t framing;
	uint64_t breaks;
	uint64_t service_limit; /* services that gave up on a babbling UART */
};

struct uart16550 {
	uint16_t base;
	const struct hil_uart_client *client;
	/* The buffer being sent (the client's until transmitted()). */
	const uint8_t *tx_buf;
	size_t tx_len, tx_done;
	uint8_t ier;     /* what IER holds, but during a quiet burst (uart16550.c) */
	bool quiet;      /* receive-data and transmit-empty off for a burst */
	bool in_service; /* service() runs, up to its hand-back */
	struct uart16550_stats stats;
};

/* Polled write of bytes as they are (no "\n" translation). */
void uart_write_raw(const uint8_t *s, size_t n);

/* Panic: send, polled, what is left of the buffer being transmitted. The
 * transmitted() callback never comes; the loop is over. */
void uart16550_panic_flush(struct uart16550 *u);

/* Interrupt mode for the UART that uart_init() set up at `base`: enables
 * the received-data and line-status interrupts; transmit-empty comes on
 * while a transmission needs it (uart16550.c, uart16550_transmit). */
void uart16550_init_irq(struct uart16550 *u, uint16_t base);
/* The hil_uart over `u`. */
void uart16550_hil(struct uart16550 *u, struct hil_uart *out);

/*
 * The bake-off's ISR-queue design (docs/bakeoff.md), where an interrupt
 * handler reads the UART and the loop works later from what it read;
 * knock's own path is service() through the hil_uart.
 *
 * uart16550_isr_mode() first: transmit-empty on for good (the handler
 * sees each emptied FIFO). uart16550_isr_read(), in the handler: acknowledge every pending cause
 * and read up to `room` received bytes: rx(ctx, byte) for each,
 * tx_empty(ctx) when the transmit FIFO emptied. When bytes remain and
 * there is no more room, it turns the receive interrupts off (the bytes
 * stay in the FIFO, as much as it holds) and returns true: the source is
 * throttled until uart16550_rx_interrupts(u, true). In the loop:
 * uart16550_deliver_rx() gives bytes read that way to the client;
 * uart16550_tx_ready() refills the transmit FIFO and gives back a buffer
 * that is all sent.
 */
bool uart16550_isr_read(struct uart16550 *u, void (*rx)(void *ctx, uint8_t byte),
			void (*tx_empty)(void *ctx), void *ctx, unsigned room);
void uart16550_isr_mode(struct uart16550 *u);
void uart16550_rx_interrupts(struct uart16550 *u, bool on);
void uart16550_deliver_rx(struct uart16550 *u, const uint8_t *bytes, size_t n);
void uart16550_tx_ready(struct uart16550 *u);

#endif
