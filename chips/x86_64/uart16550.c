/*
 * 16550A on COM1 (see uart16550.h). The divisor latch sets the baud rate
 * from the 1.8432 MHz clock (divisor 1 = 115200); FCR enables and clears
 * the 16-byte FIFOs. Presence is checked with the modem-control loopback
 * mode, so a machine without COM1 boots with VGA only instead of hanging
 * in a poll loop. MCR's OUT2 gates the UART's interrupt line on a PC; it
 * is set from the start and harmless while IER is 0.
 *
 * Interrupt mode and the edge-triggered line: ISA IRQ4 is an edge at the
 * IOAPIC, and the 16550 holds its line high while ANY cause is pending.
 * If service() left with a cause still pending, the line would never
 * drop, no new edge would come, and COM1 would be silent for good. So
 * service() loops until IIR reports nothing pending (the line is then
 * low, and the next cause makes a fresh edge), and if a babbling UART
 * keeps it busy past a bound it drops and restores IER, which forces a new
 * edge so the loop comes back.
 *
 * Spec: National Semiconductor PC16550D Universal Asynchronous
 * Receiver/Transmitter with FIFOs datasheet (1995): registers, FCR, IIR
 * interrupt priorities, LSR.
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/uart16550.h"
#include "kernel/observe.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_IIR 2 /* read */
#define REG_FCR 2 /* write */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6

#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOPBACK_TEST 0x1e
#define LSR_DATA_READY 0x01
#define LSR_OVERRUN 0x02
#define LSR_PARITY 0x04
#define LSR_FRAMING 0x08
#define LSR_BREAK 0x10
#define LSR_THR_EMPTY 0x20 /* with FIFOs: the transmit FIFO is empty */

#define IER_RX_DATA 0x01
#define IER_THR_EMPTY 0x02
#define IER_LINE_STATUS 0x04
/* The receive side, always on but for the ISR-queue design's throttle;
 * transmit-empty comes on only while a transmission needs it (see
 * uart16550_transmit). */
#define IER_RX_SIDE (IER_RX_DATA | IER_LINE_STATUS)

#define IIR_NONE_PENDING 0x01
#define IIR_CAUSE_MASK 0x0e
#define IIR_MODEM_STATUS 0x00
#define IIR_THR_EMPTY_CAUSE 0x02

/* Rounds of service() before giving up on a UART that never goes quiet. */
#define SERVICE_ROUNDS 64

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
	outb(base + REG_FCR, UART16550_FCR_ENABLE_CLEAR(UART16550_RX_TRIGGER));

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

void uart_write_raw(const uint8_t *s, size_t n)
{
	if (!uart_base)
		return;
	for (size_t i = 0; i < n; i++)
		put_byte((char)s[i]);
}

/* --- interrupt mode -------------------------------------------------- */

static void count_line_errors(struct uart16550 *u, uint8_t lsr, unsigned *errors)
{
	u->stats.overrun += !!(lsr & LSR_OVERRUN);
	u->stats.parity += !!(lsr & LSR_PARITY);
	u->stats.framing += !!(lsr & LSR_FRAMING);
	u->stats.breaks += !!(lsr & LSR_BREAK);
	*errors += !!(lsr & LSR_OVERRUN) + !!(lsr & LSR_PARITY) + !!(lsr & LSR_FRAMING) +
		   !!(lsr & LSR_BREAK);
}

struct rx_batch {
	uint8_t bytes[64];
	size_t n;
	unsigned errors;
};

static void deliver(struct uart16550 *u, struct rx_batch *rx)
{
	if ((rx->n || rx->errors) && u->client)
		u->client->received(u->client->ctx, rx->bytes, rx->n, rx->errors);
	rx->n = 0;
	rx->errors = 0;
}

/*
 * Quiet for a burst of register accesses (a drain, a FIFO fill) made with
 * interrupts on, as the loop makes them: receive-data and transmit-empty
 * off in IER, then back on.
 *
 * QEMU's 16550 re-evaluates its causes at every data register access and
 * raises its line whenever one is pending, and QEMU's IOAPIC takes each
 * raise of an edge pin as a new edge: reading 14 bytes while more remain,
 * or writing 16 while received bytes wait, was an interrupt per access,
 * taken at once (interrupts are on), each costing a top half and the
 * loop a service() that found nothing. A real 16550's line just stays
 * high. Turned back on, a cause still pending (bytes that came meanwhile,
 * an empty FIFO with more to send) raises the line once, on QEMU and on a
 * real chip alike: one interrupt per burst, for two IER writes. With
 * interrupts off (the in-ISR design's handlers) the raises coalesce into
 * one pending interrupt by themselves, so nothing is written. Line status
 * (errors) stays on: it is rare, and reading LSR acknowledges it.
 */
#define IER_QUIET_OFF (IER_RX_DATA | IER_THR_EMPTY)

/* Returns whether it began the quiet (a burst inside another's, such as
 * an echo's fill from deliver() in a drain, leaves it to the outer). */
static bool quiet_begin(struct uart16550 *u)
{
	if (u->quiet || !(u->ier & IER_QUIET_OFF) || !(read_rflags() & RFLAGS_IF))
		return false;
	u->quiet = true;
	outb(u->base + REG_IER, u->ier & ~IER_QUIET_OFF);
	return true;
}

static void quiet_end(struct uart16550 *u, bool began)
{
	if (!began)
		return;
	u->quiet = false;
	outb(u->base + REG_IER, u->ier);
}

/* A write inside a quiet burst (a client's transmission from a delivery
 * in mid-drain: rare, the batch holds 64 bytes) ends its quiet early;
 * quiet_end() then writes the same value. */
static void write_ier(struct uart16550 *u, uint8_t ier)
{
	u->ier = ier;
	outb(u->base + REG_IER, ier);
}

/* One received byte, whose LSR (read just before) is counted. */
static inline __attribute__((always_inline)) void take_byte(struct uart16550 *u,
							    struct rx_batch *rx, uint8_t lsr)
{
	count_line_errors(u, lsr, &rx->errors);
	rx->bytes[rx->n++] = inb(u->base + REG_DATA);
	u->stats.rx_bytes++;
	if (rx->n == sizeof(rx->bytes))
		deliver(u, rx);
}

/* Read until the receive FIFO is empty; returns the last LSR read (its
 * THR-empty bit is then current). Reading LSR clears its error bits, so
 * every read is counted. A byte typed comes alone and is read plainly;
 * from the second byte of a burst on, the drain is quiet (quiet_begin()). */
static uint8_t drain_rx(struct uart16550 *u, struct rx_batch *rx)
{
	uint8_t lsr = inb(u->base + REG_LSR);

	if (lsr & LSR_DATA_READY) {
		take_byte(u, rx, lsr);
		lsr = inb(u->base + REG_LSR);
		if (lsr & LSR_DATA_READY) {
			bool began = quiet_begin(u);
			do
				take_byte(u, rx, lsr);
			while ((lsr = inb(u->base + REG_LSR)) & LSR_DATA_READY);
			quiet_end(u, began);
		}
	}
	count_line_errors(u, lsr, &rx->errors);
	return lsr;
}

/*
 * Only when the transmit FIFO is empty: then 16 bytes always fit.
 *
 * QEMU's 16550 sends a byte the instant it is written and, with
 * transmit-empty enabled, raises its line again after each one: the 16
 * writes of a fill were 16 interrupts, taken one by one since the loop
 * services with interrupts on (`help`, 1,581 bytes on serial, made 1,605
 * COM1 interrupts in QEMU's `-d int` log). With `quiet`, the fill is a
 * quiet burst (quiet_begin()): transmit-empty, enabled again with the
 * FIFO empty, is raised at once (QEMU, whose FIFO is empty by then), and
 * on a real 16550 when the FIFO empties (1.4 ms later at 115200 baud), so
 * one interrupt a fill either way. The ISR-queue design passes false: its
 * loop never writes IER beside the handler's throttle
 * (uart16550_isr_mode).
 */
static void fill_tx_fifo(struct uart16550 *u, bool quiet)
{
	size_t n = u->tx_len - u->tx_done;
	bool began = quiet && quiet_begin(u);

	if (n > UART16550_FIFO_SIZE)
		n = UART16550_FIFO_SIZE;
	for (size_t i = 0; i < n; i++)
		outb(u->base + REG_DATA, u->tx_buf[u->tx_done + i]);
	quiet_end(u, began);
	u->tx_done += n;
	u->stats.tx_bytes += n;
	u->stats.tx_fifo_fills++;
}

/* The whole transmit buffer is in the FIFO: it is the client's again. */
static void hand_back_tx_buffer(struct uart16550 *u)
{
	if (!u->tx_buf || u->tx_done != u->tx_len)
		return;
	const uint8_t *buf = u->tx_buf;
	size_t len = u->tx_len;
	u->tx_buf = NULL;
	if (u->client)
		u->client->transmitted(u->client->ctx, buf, len);
}

static bool tx_has_more(const struct uart16550 *u)
{
	return u->tx_buf && u->tx_done < u->tx_len;
}

/* Transmit-empty on only while a transmission needs its event. Enabling
 * it while the FIFO is already empty raises it at once (QEMU's 16550
 * does, and Linux's 8250 driver tests real chips for it), so a
 * transmission whose bytes all left before the enable still gets its
 * service(). */
static void want_tx_event(struct uart16550 *u, bool want)
{
	uint8_t ier = want ? (u->ier | IER_THR_EMPTY) : (u->ier & ~IER_THR_EMPTY);

	if (u->ier != ier)
		write_ier(u, ier);
}

static void uart16550_service(void *hw)
{
	struct uart16550 *u = hw;
	struct rx_batch rx = { .n = 0, .errors = 0 };
	uint64_t events_before = u->stats.rx_bytes + u->stats.tx_fifo_fills;

	u->stats.services++;
	u->in_service = true;
	/*
	 * Each round: read IIR (counting the cause it names, and acknowledging
	 * a transmit-empty cause by the read), then do all the work whatever
	 * the cause. Stop after a round that began with nothing pending: the
	 * work of that round creates no cause, so the line is low and the
	 * next cause makes a fresh edge.
	 */
	for (unsigned round = 0;; round++) {
		uint8_t iir = inb(u->base + REG_IIR);
		bool pending = !(iir & IIR_NONE_PENDING);
		if (pending) {
			u->stats.interrupts++;
			if ((iir & IIR_CAUSE_MASK) == IIR_MODEM_STATUS)
				(void)inb(u->base + REG_MSR); /* not enabled; acknowledge anyway */
		}
		uint8_t lsr = drain_rx(u, &rx);
		if ((lsr & LSR_THR_EMPTY) && tx_has_more(u))
			fill_tx_fifo(u, u->ier & IER_THR_EMPTY);
		if (!pending)
			break;
		if (round == SERVICE_ROUNDS) {
			u->stats.service_limit++;
			outb(u->base + REG_IER, 0);
			outb(u->base + REG_IER, u->ier);
			break;
		}
	}
	deliver(u, &rx);
	/* For the trace: bytes in and FIFO refills this service handled. */
	observe_note_events((uint32_t)(u->stats.rx_bytes + u->stats.tx_fifo_fills - events_before));

	/* Last, so the client may start the next transmission from its
	 * callback (which then asks for its own event: no longer in
	 * service). With nothing left to send, transmit-empty goes off. */
	u->in_service = false;
	hand_back_tx_buffer(u);
	if (!u->tx_buf)
		want_tx_event(u, false);
}

/*
 * A transmission starts by writing the first FIFO-full here when the FIFO
 * is empty now; if it is still sending, its emptying will interrupt. The
 * buffer comes back in transmitted() from service(), never from here.
 *
 * Transmit-empty is enabled only when that needs an event: bytes are left
 * for the FIFO's emptying, or the transmission started outside service().
 * One started inside service() (an echo from received()) that fits in
 * the FIFO is handed back when that service() ends, with no interrupt: on
 * QEMU, whose FIFO empties the instant it is written, an always-on
 * transmit-empty cost each echoed byte a second interrupt and service()
 * that found nothing to do (Linux's 8250 driver turns THRI off when idle
 * for the same reason).
 */
static int uart16550_transmit(void *hw, const uint8_t *buf, size_t len)
{
	struct uart16550 *u = hw;

	if (u->tx_buf || len == 0)
		return -1; /* an empty buffer would never make an interrupt */
	u->tx_buf = buf;
	u->tx_len = len;
	u->tx_done = 0;
	uint8_t lsr = inb(u->base + REG_LSR);
	/* Quiet when a cause would be raised at each byte of the fill:
	 * transmit-empty on, or received bytes waiting. */
	if (lsr & LSR_THR_EMPTY)
		fill_tx_fifo(u, (u->ier & IER_THR_EMPTY) || (lsr & LSR_DATA_READY));
	if (tx_has_more(u) || !u->in_service)
		want_tx_event(u, true);
	return 0;
}

static void uart16550_set_client(void *hw, const struct hil_uart_client *client)
{
	struct uart16550 *u = hw;
	u->client = client;
}

void uart16550_init_irq(struct uart16550 *u, uint16_t base)
{
	*u = (struct uart16550){ .base = base };
	write_ier(u, IER_RX_SIDE);
}

void uart16550_hil(struct uart16550 *u, struct hil_uart *out)
{
	*out = (struct hil_uart){
		.hw = u,
		.set_client = uart16550_set_client,
		.transmit = uart16550_transmit,
		.service = uart16550_service,
	};
}

void uart16550_panic_flush(struct uart16550 *u)
{
	if (u->tx_buf && u->tx_done < u->tx_len) {
		uart_write_raw(u->tx_buf + u->tx_done, u->tx_len - u->tx_done);
		u->tx_done = u->tx_len;
	}
}

/* --- the bake-off's ISR-queue design (board/pc/design_isrqueue.c) ------ */

bool uart16550_isr_read(struct uart16550 *u, void (*rx)(void *ctx, uint8_t byte),
			void (*tx_empty)(void *ctx), void *ctx, unsigned room)
{
	bool throttled = false;

	/* As service() does, until IIR says nothing is pending, so the
	 * edge-triggered line drops and the next cause makes a new edge; but
	 * here only reading: the bytes go to rx(), and the transmit FIFO is
	 * refilled later by the loop (uart16550_tx_ready). Out of room, the
	 * receive interrupts go off: IIR then names no receive cause, and the
	 * bytes wait in the FIFO. */
	for (unsigned round = 0;; round++) {
		uint8_t iir = inb(u->base + REG_IIR);
		if (iir & IIR_NONE_PENDING)
			return throttled;
		u->stats.interrupts++;
		uint8_t cause = iir & IIR_CAUSE_MASK;
		if (cause == IIR_MODEM_STATUS)
			(void)inb(u->base + REG_MSR);
		else if (cause == IIR_THR_EMPTY_CAUSE)
			tx_empty(ctx); /* reading IIR acknowledged it */
		unsigned errors = 0;
		uint8_t lsr = inb(u->base + REG_LSR);
		while (!throttled && (lsr & LSR_DATA_READY)) {
			if (!room) {
				write_ier(u, u->ier & ~IER_RX_SIDE);
				throttled = true;
				break;
			}
			count_line_errors(u, lsr, &errors);
			u->stats.rx_bytes++;
			rx(ctx, inb(u->base + REG_DATA));
			room--;
			lsr = inb(u->base + REG_LSR);
		}
		count_line_errors(u, lsr, &errors);
		if (round == SERVICE_ROUNDS) {
			u->stats.service_limit++;
			outb(u->base + REG_IER, 0);
			outb(u->base + REG_IER, u->ier);
			return throttled;
		}
	}
}

/* Transmit-empty stays on from here, as the design's handler expects a
 * cause for each emptied FIFO: transmit() then finds it on and never
 * writes IER, so only the handler (its throttle) and the loop with
 * interrupts off (uart16550_rx_interrupts) do, and never at once.
 * service(), which turns it off, is not this design's. */
void uart16550_isr_mode(struct uart16550 *u)
{
	write_ier(u, u->ier | IER_THR_EMPTY);
}

void uart16550_rx_interrupts(struct uart16550 *u, bool on)
{
	write_ier(u, on ? (u->ier | IER_RX_SIDE) : (u->ier & ~IER_RX_SIDE));
}

void uart16550_deliver_rx(struct uart16550 *u, const uint8_t *bytes, size_t n)
{
	u->stats.services++;
	if (n && u->client)
		u->client->received(u->client->ctx, bytes, n, 0);
}

void uart16550_tx_ready(struct uart16550 *u)
{
	u->stats.services++;
	if ((inb(u->base + REG_LSR) & LSR_THR_EMPTY) && tx_has_more(u))
		fill_tx_fifo(u, false);
	hand_back_tx_buffer(u);
}
