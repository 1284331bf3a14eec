/* The pc board's console wiring (wire_console.h). */
#include "board/pc/wire_console.h"

#include "board/pc/interrupts.h"
#include "board/pc/wire_screen.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/hil/text_screen.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/pending.h"

static struct uart16550 uart;
static bool uart_present;
static struct hil_uart uart_hil;
static struct console console;
static struct keyboard_client keyboard_to_console;

/*
 * The log sink. The console's state belongs to the loop; a line logged
 * from an exception or interrupt handler (handler_depth > 0) may have
 * interrupted the console itself, so it takes the synchronous path
 * instead of the ring.
 */
/* Before a panic or exception report: what the console had queued for the
 * serial line, in order (the UART's in-flight part, then the rest of the
 * ring), so the report comes after what led to it. */
static void console_flush_sync(void)
{
	if (!uart_present)
		return;
	uart16550_panic_flush(&uart);
	console_panic_drain(&console, uart_write_raw);
}

static void console_log_sink(const char *s, size_t n)
{
	/* From an interrupt (the watchdog's report), or its text held while
	 * it interrupted a line (kernel/log.h): the loop may be stuck, so
	 * not through the ring it drains. */
	if (arch_this_cpu()->handler_depth > 0 || log_writing_held()) {
		console_flush_sync();
		if (uart_present)
			uart_write(s, n);
		board_screen_write(s, n);
		return;
	}
	console_write_line(&console, s, n);
}

void board_wire_console(bool have_uart, struct keyboard *kb)
{
	uart_present = have_uart;
	if (have_uart) {
		uart16550_init_irq(&uart, COM1_BASE);
		uart16550_hil(&uart, &uart_hil);
	}
	console_init(&console, have_uart ? &uart_hil : NULL, board_screen());
	loop_set_client(BIT_COM1, "console", console_uart_service, &console);

	if (kb) {
		keyboard_to_console = (struct keyboard_client){
			.ctx = &console,
			.key = console_keyboard_key,
		};
		keyboard_set_client(kb, &keyboard_to_console);
	}

	log_remove_all_sinks();
	log_add_sink(console_log_sink);
	if (have_uart)
		log_add_panic_sink(uart_write);
	log_add_panic_sink(board_screen_write);
	log_set_panic_flush(console_flush_sync);

	if (!have_uart) {
		board_isa_irq_absent(4);
		return;
	}
	board_enable_isa_irq(4);
	/* Enabling the transmit-empty interrupt raised it at once, while IRQ4
	 * was still masked; that edge is lost and the UART's line stays high,
	 * so no later edge could come. One service from the loop clears it. */
	pending_set(arch_this_cpu(), BIT_COM1);
}

void board_console_flush_sync(void)
{
	console_flush_sync();
}

struct console *board_console(void)
{
	return &console;
}

struct uart16550 *board_uart(void)
{
	return uart_present ? &uart : NULL;
}
