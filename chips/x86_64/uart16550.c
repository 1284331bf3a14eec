/*
 * 16550A on COM1. The divisor latch sets the baud rate from the 1.8432 MHz
 * clock (divisor 1 = 115200); FCR enables and clears the 16-byte FIFOs.
 * Presence is checked with the modem-control loopback mode, so a machine
 * without COM1 boots with VGA only instead of hanging in a poll loop.
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/io.h"
#include "chips/x86_64/uart16550.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5

#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR_14 0xc7
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOPBACK_TEST 0x1e
#define LSR_THR_EMPTY 0x20

/* About 10 ms at 115200 baud is far more than one byte needs (87 us). */
#define TX_SPIN_LIMIT 1000000

static uint16_t uart_base;
uint64_t uart_dropped;

bool uart_init(uint16_t base)
{
	outb(base + REG_IER, 0);
	outb(base + REG_LCR, LCR_DLAB);
	outb(base + REG_DATA, 1);
	outb(base + REG_IER, 0);
	outb(base + REG_LCR, LCR_8N1);
	outb(base + REG_FCR, FCR_ENABLE_CLEAR_14);

	outb(base + REG_MCR, MCR_LOOPBACK_TEST);
	outb(base + REG_DATA, 0xae);
	if (inb(base + REG_DATA) != 0xae)
		return false;
	outb(base + REG_MCR, MCR_DTR_RTS_OUT2);
	uart_base = base;
	return true;
}

static void put_byte(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(uart_base + REG_LSR) & LSR_THR_EMPTY) {
			outb(uart_base + REG_DATA, (uint8_t)c);
			return;
		}
	}
	uart_dropped++;
}

void uart_write(const char *s, size_t n)
{
	if (!uart_base)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte(s[i]);
	}
}
