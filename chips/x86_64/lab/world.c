/*
 * The bake-off's outside world (world.h).
 *
 * Spec: IBM PC AT Technical Reference, 8042 command 0xD2; TI PC16550D
 * datasheet (MCR, THR); Intel SDM vol. 3A 6.7 (NMI).
 */
#include "chips/x86_64/lab/world.h"

#include <stddef.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/idt.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/lab/hpet_nmi.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "chips/x86_64/uart16550.h"
#include "kernel/panic.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64
#define I8042_COMMAND 0x64
#define I8042_OUTPUT_FULL 0x01
#define I8042_INPUT_FULL 0x02
#define I8042_WRITE_KEYBOARD_OUTPUT 0xd2
#define I8042_INPUT_WAIT 1000 /* status reads; QEMU's controller takes a byte at once */

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_MCR_LOOP 0x10
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03

#define VEC_NMI 2

bool world_serial_init(uint16_t port)
{
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_THR, 1); /* divisor 1: 115200 baud */
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART16550_FCR_ENABLE_CLEAR(WORLD_SERIAL_TRIGGER));
	outb(port + UART_MCR, UART_MCR_LOOP);
	outb(port + UART_THR, 0xae);
	bool there = inb(port + UART_THR) == 0xae;
	outb(port + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	outb(port + UART_FCR,
	     UART16550_FCR_ENABLE_CLEAR(WORLD_SERIAL_TRIGGER)); /* drop the test byte */
	return there;
}

/* The world's state between steps. */
static struct {
	const struct world_plan *plan;
	const struct world_source *src;
	struct world_stats *st;
	bool running;
	uint8_t kbuf[WORLD_KEYBOARD_BUFFER];
	unsigned khead, klen;
	uint64_t key_due, serial_due, kbd_free_at, quiet_since;
	bool keys_left, serial_left, serial_over;
	uint8_t make, brk, byte;
} w;

uint64_t world_stray_nmis;

extern char world_nmi_entry[];

void world_install_nmi(void)
{
	idt_set_gate(VEC_NMI, (uintptr_t)world_nmi_entry, 0);
}

void world_start(const struct world_plan *plan, const struct world_source *src,
		 struct world_stats *stats)
{
	uint64_t now;

	w.plan = plan;
	w.src = src;
	w.st = stats;
	w.khead = w.klen = 0;
	w.kbd_free_at = 0;
	w.keys_left = src->next_key && src->next_key(src->ctx, &w.make, &w.brk);
	w.serial_left = src->next_serial && src->next_serial(src->ctx, &w.byte);
	w.serial_over = !w.serial_left && !src->serial_again;
	/* Time 0 of the schedule: after the sources' first call (the first
	 * CRC-32 builds its table). */
	now = rdtsc();
	w.key_due = w.serial_due = w.quiet_since = now;
	if (src->next_serial)
		outb(plan->serial_port + UART_MCR,
		     (uint8_t)(inb(plan->serial_port + UART_MCR) | UART_MCR_LOOP));
	stats->started = now;
	irq_idle_spins = true;
	__atomic_store_n(&w.running, true, __ATOMIC_RELEASE);
	hpet_nmi_start(plan->apic_id, plan->tick_ns);
}

static void type_keys(uint64_t now)
{
	struct world_stats *st = w.st;

	/* Keys pressed by now go into the keyboard's buffer. */
	while (w.keys_left && (int64_t)(now - w.key_due) >= 0) {
		st->keys++;
		for (unsigned i = 0; i < 2; i++) {
			if (w.klen == WORLD_KEYBOARD_BUFFER) {
				st->key_bytes_lost++;
				continue;
			}
			w.kbuf[(w.khead + w.klen++) % WORLD_KEYBOARD_BUFFER] = i ? w.brk : w.make;
		}
		w.key_due += w.plan->key_every;
		w.keys_left = w.src->next_key(w.src->ctx, &w.make, &w.brk);
	}
	/* The keyboard sends when the controller is empty. */
	if (w.klen && (int64_t)(now - w.kbd_free_at) >= 0 &&
	    !(inb(I8042_STATUS) & (I8042_OUTPUT_FULL | I8042_INPUT_FULL))) {
		outb(I8042_COMMAND, I8042_WRITE_KEYBOARD_OUTPUT);
		for (unsigned i = 0; i < I8042_INPUT_WAIT && (inb(I8042_STATUS) & I8042_INPUT_FULL);
		     i++)
			;
		outb(I8042_DATA, w.kbuf[w.khead]);
		w.khead = (w.khead + 1) % WORLD_KEYBOARD_BUFFER;
		w.klen--;
		st->key_bytes_sent++;
		w.kbd_free_at = now + w.plan->ps2_byte;
	}
}

static void send_serial(uint64_t now)
{
	struct world_stats *st = w.st;

	/* The serial line: every byte whose time has come. */
	while (w.serial_left && (int64_t)(now - w.serial_due) >= 0) {
		outb(w.plan->serial_port + UART_THR, w.byte);
		st->serial_sent++;
		if (now - w.serial_due > st->late_max) {
			st->late_max = now - w.serial_due;
			st->late_at = w.serial_due;
		}
		w.serial_due += w.plan->serial_every;
		w.serial_left = w.src->next_serial(w.src->ctx, &w.byte);
		if (!w.serial_left) {
			w.quiet_since = w.serial_due;
			w.serial_over = !w.src->serial_again;
		}
	}
	/* Quiet long enough: more to send after all? */
	if (!w.serial_left && !w.serial_over &&
	    (int64_t)(now - w.quiet_since - w.plan->serial_again) >= 0) {
		w.quiet_since = now;
		if (w.src->serial_again(w.src->ctx)) {
			st->serial_again++;
			w.serial_due = now;
			w.serial_left = w.src->next_serial(w.src->ctx, &w.byte);
		} else {
			w.serial_over = true;
		}
	}
}

static void step(uint64_t now)
{
	type_keys(now);
	send_serial(now);
	if (!w.keys_left && !w.klen && !w.serial_left && w.serial_over) {
		hpet_nmi_stop();
		w.running = false;
		w.st->done = now;
	}
}

/* From world_nmi_entry, with the clock it read first. */
void world_nmi(uint64_t entry);
void world_nmi(uint64_t entry)
{
	if (!__atomic_load_n(&w.running, __ATOMIC_ACQUIRE) || panic_in_progress()) {
		if (w.running)
			hpet_nmi_stop(); /* a panic report runs: the world keeps still */
		world_stray_nmis++;
		return;
	}
	hpet_nmi_next();
	step(entry);
	w.st->steps++;
	/* What the step took, the whole NMI, world_nmi_entry adds to
	 * irq_off_meter_stolen once this returns: the interrupts-off meter takes
	 * it out of the window it fell in, and out of the idle wait it fell
	 * in (the loop polls while the world runs: irq_idle_spins, so an NMI
	 * never wakes it). */
}
