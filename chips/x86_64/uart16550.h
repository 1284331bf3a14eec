/* 16550 UART, polled output (the interrupt-driven path comes with the
 * console capsule). */
#ifndef KNOCK_CHIPS_UART16550_H
#define KNOCK_CHIPS_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1_BASE 0x3f8

/* 115200 8N1, FIFOs on. Returns false if no UART answers at `base`. */
bool uart_init(uint16_t base);
/* Polled write; "\n" becomes "\r\n". Bytes the UART never accepts (a
 * bounded wait) are counted in uart_dropped, not waited for forever. */
void uart_write(const char *s, size_t n);
extern uint64_t uart_dropped;

#endif
