/*
 * The ISR-queue design (design.h, docs/bakeoff.md): the handler reads its
 * device's events into a bounded queue, the loop drains it.
 *
 * Events per source:
 *   timer     one tick per interrupt (the LAPIC one-shot fired); the loop
 *             runs the alarm mux. A dropped tick is a lost wake-up: the
 *             one-shot is re-armed only by the mux's service, so the
 *             timer stays silent until something sets an earlier alarm.
 *   keyboard  the one byte the i8042 holds (the controller raises IRQ1
 *             again for the next one).
 *   com1      every byte in the receive FIFO, and "transmit FIFO empty":
 *             the handler must empty the FIFO and read IIR until nothing
 *             is pending, or the edge-triggered line would stay high and
 *             COM1 fall silent (uart16550.c); the loop refills the
 *             transmit FIFO when it gets the event. A dropped "empty"
 *             stalls the serial output for good.
 * The loop handles one event at a time, in arrival order, interrupts off
 * only around the pop.
 */
#include "board/pc/lab/design.h"

#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_timer.h"
#include "kernel/arch.h"
#include "kernel/lab/isr_queue.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/pending.h"

enum com1_event {
	COM1_RECEIVED,
	COM1_SENT, /* the transmit FIFO emptied */
};

struct isr_queue design_isrqueue;

static void push(unsigned bit, uint8_t kind, uint8_t byte, uint64_t entry)
{
	struct isr_event ev = { .entry = entry, .source = (uint8_t)bit, .kind = kind, .byte = byte };

	isr_queue_push(&design_isrqueue, &ev);
}

static void com1_received(void *ctx, uint8_t byte)
{
	push(BIT_COM1, COM1_RECEIVED, byte, *(const uint64_t *)ctx);
}

static void com1_sent(void *ctx)
{
	push(BIT_COM1, COM1_SENT, 0, *(const uint64_t *)ctx);
}

void design_isrqueue_read(unsigned bit, uint64_t entry)
{
	switch (bit) {
	case BIT_TIMER:
		push(bit, 0, 0, entry);
		break;
	case BIT_KEYBOARD: {
		int byte = i8042_read_byte(board_i8042());
		if (byte >= 0)
			push(bit, 0, (uint8_t)byte, entry);
		break;
	}
	case BIT_COM1:
		if (board_uart())
			uart16550_isr_read(board_uart(), com1_received, com1_sent, &entry);
		break;
	default:
		/* A device this design has no reader for would never be
		 * serviced: say so at its first interrupt. */
		panic("design=isrqueue: device bit %u (%s) has no reader in design_isrqueue.c", bit,
		      loop_slot_name(bit));
	}
	pending_set(arch_this_cpu(), bit);
}

static void handle(const struct isr_event *ev)
{
	switch (ev->source) {
	case BIT_TIMER:
		alarm_mux_service(&board_alarm_mux);
		break;
	case BIT_KEYBOARD:
		i8042_deliver(board_i8042(), &ev->byte, 1);
		break;
	case BIT_COM1:
		if (ev->kind == COM1_RECEIVED)
			uart16550_deliver_rx(board_uart(), &ev->byte, 1);
		else
			uart16550_tx_ready(board_uart());
		break;
	}
}

/* At most a queue's worth per call, so that a flood of events cannot keep
 * the loop from its other bits; what is left knocks again. */
void design_isrqueue_drain(void *ctx)
{
	struct isr_event ev;

	(void)ctx;
	for (unsigned n = 0;; n++) {
		int more = -1;
		arch_irq_disable();
		bool got = n < ISR_QUEUE_SIZE && isr_queue_pop(&design_isrqueue, &ev);
		if (!got && isr_queue_length(&design_isrqueue))
			more = design_isrqueue.events[design_isrqueue.tail % ISR_QUEUE_SIZE].source;
		arch_irq_enable();
		if (!got) {
			if (more >= 0)
				pending_set(arch_this_cpu(), (unsigned)more);
			return;
		}
		handle(&ev);
		board_design_latency_add(ev.source, arch_cycles() - ev.entry);
	}
}
