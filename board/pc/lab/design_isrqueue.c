/*
 * The ISR-queue design (design.h, docs/bakeoff.md), as its best advocate
 * would build it: the handler reads its device's data into that source's
 * own ring (kernel/lab/isr_queue.h), the loop drains the rings.
 *
 * Per source:
 *   timer     level-style: the handler sets a flag (and notes when); the
 *             loop runs the alarm mux once for however many ticks came.
 *             Nothing to drop: a flag set twice is set.
 *   keyboard  a ring of KEYBOARD_RING bytes, the one byte the i8042 holds
 *             per interrupt. Full, the handler leaves the byte in the
 *             controller and masks IRQ1 at the IOAPIC (the i8042 raises no
 *             new interrupt until that byte is read, and QEMU's PS/2 queue
 *             keeps the keys behind it); the loop unmasks once it has
 *             drained, and reads the byte the masked edge announced.
 *   com1      a ring of COM1_RING bytes: every byte in the receive FIFO,
 *             as long as there is room; then the handler turns the UART's
 *             receive interrupts off (uart16550_isr_read), the FIFO holds
 *             what it can, and the loop turns them back on once drained.
 *             "Transmit FIFO empty" is a flag, like the timer.
 * So the kernel never drops what the device can still hold: `dropped`
 * counts pushes into a full ring, and the bake-off checks it stays 0.
 *
 * The rings are single-producer single-consumer: the loop pops with
 * interrupts on. Only the unthrottling (an IOAPIC or IER write that a
 * handler may also make) runs with interrupts off, a few instructions.
 *
 * Latency, per interrupt: a ring byte carries its interrupt's entry time
 * and the last byte an interrupt read is marked, so each interrupt is one
 * sample, taken when the client got its last byte; a flag keeps its first
 * and last entry since its service and a count.
 */
#include "board/pc/lab/design.h"

#include "board/pc/wire_acpi.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_timer.h"
#include "chips/x86_64/acpi_parse.h"
#include "chips/x86_64/ioapic.h"
#include "kernel/arch.h"
#include "kernel/lab/isr_queue.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/pending.h"

/* Sized for each source's worst burst: keys come at most a few per 20 ms
 * callback, and a PS/2 keyboard buffers 16 bytes of its own; at 115200
 * baud a 20 ms callback brings 230 bytes. */
#define KEYBOARD_RING 16
#define COM1_RING 256

/* The keyboard's ISA IRQ, from the board's interrupt table. */
enum {
#define KEYBOARD_ISA(e, name, vector, bit, isa, cpu) e##_ISA_IRQ = (isa),
	BOARD_INTERRUPTS(KEYBOARD_ISA)
#undef KEYBOARD_ISA
};

static struct isr_slot keyboard_slots[KEYBOARD_RING];
static struct isr_slot com1_slots[COM1_RING], com2_slots[COM1_RING];
struct isr_queue design_isrqueue_keyboard, design_isrqueue_com1, design_isrqueue_com2;

/* A level-style source: raised since its last service, and when. */
struct isr_flag {
	uint64_t count; /* interrupts since the service; exchanged with 0 by the loop */
	uint64_t first, last;
};

/* A UART's side: its ring, its transmit-empty flag, its throttle. */
struct serial_side {
	unsigned bit;
	struct isr_queue *q;
	struct isr_flag tx_empty;
	bool throttled;
	/* When a throttled source's data began to wait in the device: the
	 * entry of the interrupt that found its ring full. The bytes read
	 * once it is unthrottled are dated there, not at the later
	 * interrupt. */
	uint64_t waiting_since;
	uint64_t entry; /* the handler's, while it reads */
};

static struct isr_flag timer_flag;
static struct serial_side com1 = { .bit = BIT_COM1, .q = &design_isrqueue_com1 };
static struct serial_side com2 = { .bit = BIT_COM2, .q = &design_isrqueue_com2 };
static bool keyboard_throttled;
static uint64_t keyboard_waiting_since;
static uint32_t keyboard_gsi;
static bool keyboard_gsi_known;

static void flag_raise(struct isr_flag *f, uint64_t entry)
{
	if (!f->count)
		f->first = entry;
	f->last = entry;
	__atomic_store_n(&f->count, f->count + 1, __ATOMIC_RELEASE);
}

/* Loop side: how many interrupts the flag stood for (0: not raised); the
 * latency samples once their work is done, by flag_done(). The stamps are
 * read before the count is taken: an interrupt in between joins this
 * service without moving `first`, so the samples stay upper bounds. */
struct flag_take {
	uint64_t n, first, last;
};

static struct flag_take flag_take(struct isr_flag *f)
{
	struct flag_take t = { .first = __atomic_load_n(&f->first, __ATOMIC_ACQUIRE),
			       .last = __atomic_load_n(&f->last, __ATOMIC_ACQUIRE) };
	t.n = __atomic_exchange_n(&f->count, 0, __ATOMIC_ACQ_REL);
	return t;
}

static void flag_done(unsigned bit, const struct flag_take *t)
{
	uint64_t end = arch_cycles();

	for (uint64_t i = 0; i < t->n; i++)
		board_design_latency_add(bit, end - (i + 1 == t->n && i ? t->last : t->first));
}

/* --- handlers (interrupts off) ------------------------------------------- */

static void serial_received(void *ctx, uint8_t byte)
{
	struct serial_side *side = ctx;

	isr_queue_push(side->q, side->entry, byte, false);
}

static void serial_sent(void *ctx)
{
	struct serial_side *side = ctx;

	flag_raise(&side->tx_empty, side->entry);
}

static void mark_last(struct isr_queue *q, uint32_t head_before)
{
	if (q->head != head_before)
		q->slots[(q->head - 1) & (q->size - 1)].last = 1;
}

static void keyboard_read(uint64_t entry)
{
	struct isr_queue *q = &design_isrqueue_keyboard;

	if (!isr_queue_room(q)) {
		/* Leave the byte in the controller; no new IRQ1 until the loop
		 * has room and reads it. */
		if (keyboard_gsi_known)
			ioapic_set_masked(keyboard_gsi, true);
		if (!keyboard_throttled)
			keyboard_waiting_since = entry;
		keyboard_throttled = true;
		q->throttles++;
		return;
	}
	int byte = i8042_read_byte(board_i8042());
	if (byte >= 0)
		isr_queue_push(q, entry, (uint8_t)byte, true);
}

static void serial_read(struct serial_side *side, uint64_t entry)
{
	struct uart16550 *u = board_design_uart(side->bit);
	struct isr_queue *q = side->q;
	uint32_t before = q->head;

	if (!u)
		return;
	side->entry = entry;
	if (side->waiting_since) {
		side->entry = side->waiting_since; /* bytes held since the throttle */
		side->waiting_since = 0;
	}
	uint64_t began = arch_cycles();
	bool throttled =
		uart16550_isr_read(u, serial_received, serial_sent, side, isr_queue_room(q));
	if (throttled) {
		if (!side->throttled)
			side->waiting_since = entry;
		side->throttled = true;
		q->throttles++;
	}
	if (side->bit == board_design_serial_bit)
		board_design_serial_read(entry, began, q->head - before, arch_cycles(), !throttled);
	mark_last(q, before);
}

void design_isrqueue_read(unsigned bit, uint64_t entry)
{
	switch (bit) {
	case BIT_TIMER:
		flag_raise(&timer_flag, entry);
		break;
	case BIT_KEYBOARD:
		keyboard_read(entry);
		break;
	case BIT_COM1:
		serial_read(&com1, entry);
		break;
	case BIT_COM2:
		serial_read(&com2, entry);
		break;
	default:
		/* A device this design has no reader for would never be
		 * serviced: say so at its first interrupt. */
		panic("design=isrqueue: device bit %u (%s) has no reader in design_isrqueue.c", bit,
		      loop_slot_name(bit));
	}
	pending_set(arch_this_cpu(), bit);
}

/* --- the loop (interrupts on) --------------------------------------------- */

/* Pop up to a batch and hand it to the client in one call; one latency
 * sample per interrupt whose last byte was in it. */
static unsigned drain_ring(unsigned bit, struct isr_queue *q,
			   void (*deliver)(const uint8_t *bytes, size_t n))
{
	uint8_t bytes[64];
	uint64_t done[64];
	size_t n = 0, marks = 0;
	struct isr_slot s;

	while (n < sizeof(bytes) && isr_queue_pop(q, &s)) {
		bytes[n++] = s.byte;
		if (s.last)
			done[marks++] = s.entry;
	}
	if (n)
		deliver(bytes, n);
	uint64_t end = arch_cycles();
	for (size_t i = 0; i < marks; i++)
		board_design_latency_add(bit, end - done[i]);
	return (unsigned)n;
}

static void keyboard_deliver(const uint8_t *bytes, size_t n)
{
	i8042_deliver(board_i8042(), bytes, n);
}

static void com1_deliver(const uint8_t *bytes, size_t n)
{
	uart16550_deliver_rx(board_design_uart(BIT_COM1), bytes, n);
}

static void com2_deliver(const uint8_t *bytes, size_t n)
{
	uart16550_deliver_rx(board_design_uart(BIT_COM2), bytes, n);
}

/* The ring has room again: let the source interrupt, and read what it
 * announced while it could not. Interrupts off: a handler may throttle it
 * at the same time. */
static void unthrottle(unsigned bit)
{
	arch_irq_disable();
	if (bit == BIT_KEYBOARD) {
		if (keyboard_throttled) {
			keyboard_throttled = false;
			if (keyboard_gsi_known)
				ioapic_set_masked(keyboard_gsi, false);
			keyboard_read(keyboard_waiting_since);
		}
	} else {
		struct serial_side *side = bit == BIT_COM1 ? &com1 : &com2;
		if (side->throttled) {
			side->throttled = false;
			uart16550_rx_interrupts(board_design_uart(bit), true);
		}
	}
	arch_irq_enable();
}

/* The loop client of every device bit. At most one batch per ring per
 * call, so a flood cannot keep the loop from its other bits; what is left
 * knocks again. */
void design_isrqueue_drain(void *ctx)
{
	unsigned bit = *(const unsigned *)ctx;
	struct flag_take t;

	switch (bit) {
	case BIT_TIMER:
		t = flag_take(&timer_flag);
		if (t.n) {
			alarm_mux_service(&board_alarm_mux);
			flag_done(bit, &t);
		}
		return;
	case BIT_KEYBOARD:
		drain_ring(bit, &design_isrqueue_keyboard, keyboard_deliver);
		if (isr_queue_length(&design_isrqueue_keyboard))
			pending_set(arch_this_cpu(), bit);
		else if (keyboard_throttled)
			unthrottle(bit);
		return;
	case BIT_COM1:
	case BIT_COM2: {
		struct serial_side *side = bit == BIT_COM1 ? &com1 : &com2;
		t = flag_take(&side->tx_empty);
		if (t.n) {
			uart16550_tx_ready(board_design_uart(bit));
			flag_done(bit, &t);
		}
		drain_ring(bit, side->q, bit == BIT_COM1 ? com1_deliver : com2_deliver);
		if (isr_queue_length(side->q))
			pending_set(arch_this_cpu(), bit);
		else if (side->throttled)
			unthrottle(bit);
		return;
	}
	}
}

void design_isrqueue_init(void)
{
	struct isa_route r;

	isr_queue_init(&design_isrqueue_keyboard, keyboard_slots, KEYBOARD_RING);
	isr_queue_init(&design_isrqueue_com1, com1_slots, COM1_RING);
	isr_queue_init(&design_isrqueue_com2, com2_slots, COM1_RING);
	keyboard_gsi_known = platform_isa_route(&board_platform, KEYBOARD_ISA_IRQ, &r);
	keyboard_gsi = r.gsi;
	/* COM1 carries the console's output. COM2 only receives here: its
	 * transmit-empty stays off, or each byte the world writes into it
	 * in loopback would cost this design a second interrupt that no
	 * real line would raise. */
	if (board_uart())
		uart16550_isr_mode(board_uart());
}
