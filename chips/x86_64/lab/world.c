/*
 * The bake-off's outside world (world.h).
 *
 * Spec: Intel SDM vol. 3A 10.5.4 (APIC timer); IBM PC AT Technical
 * Reference, 8042 command 0xD2; TI PC16550D datasheet (MCR, THR).
 */
#include "chips/x86_64/lab/world.h"

#include <stddef.h>

#include "chips/x86_64/cpu_regs.h"
#include "chips/x86_64/io.h"
#include "chips/x86_64/lapic.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64
#define I8042_COMMAND 0x64
#define I8042_OUTPUT_FULL 0x01
#define I8042_INPUT_FULL 0x02
#define I8042_WRITE_KEYBOARD_OUTPUT 0xd2

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_MCR_LOOP 0x10
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_CLEAR_14 0xc7

bool world_serial_init(uint16_t port)
{
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_THR, 1); /* divisor 1: 115200 baud */
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR_14);
	outb(port + UART_MCR, UART_MCR_LOOP);
	outb(port + UART_THR, 0xae);
	bool there = inb(port + UART_THR) == 0xae;
	outb(port + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR_14); /* drop the test byte */
	return there;
}

static void i8042_wait_input_empty(void)
{
	while (inb(I8042_STATUS) & I8042_INPUT_FULL)
		;
}

/*
 * The world's clock: its LAPIC timer in periodic mode, every `tick`. Why
 * not a one-shot for each next byte: under icount QEMU runs each vCPU in
 * turn up to the next timer deadline, and a one-shot that has just fired
 * leaves no deadline of this CPU's until this CPU has run again, so the
 * other CPU could run on to its own next deadline (a 20 ms callback) first.
 * A periodic timer always has its next deadline set: this CPU answers
 * within a tick. Its top half only knocks on this CPU's pending word,
 * which nobody reads.
 */
#define LVT_PERIODIC (1u << 17)

static void start_ticking(const struct world_plan *p)
{
	uint64_t count = (p->tick * p->lapic_per_tsc_q32) >> 32;

	lapic_write(LAPIC_REG_LVT_TIMER, p->timer_vector | LVT_PERIODIC);
	lapic_timer_oneshot(count ? (uint32_t)count : 1); /* the initial count starts it */
}

static void wait_tick(void)
{
	__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}

_Noreturn void world_run(const struct world_plan *p, const struct world_source *src,
			 struct world_stats *st)
{
	uint8_t kbuf[WORLD_KEYBOARD_BUFFER];
	unsigned khead = 0, klen = 0;
	uint64_t key_due, serial_due, kbd_free_at = 0;
	bool keys_left = src->next_key != NULL, serial_left = src->next_serial != NULL;
	uint8_t make = 0, brk = 0, byte = 0;

	start_ticking(p);
	/* Until the board publishes the start (the load's clock starts on the
	 * boot CPU). */
	while (!__atomic_load_n(&p->start, __ATOMIC_ACQUIRE))
		wait_tick();
	key_due = p->start;
	serial_due = __atomic_load_n(&p->serial_start, __ATOMIC_ACQUIRE);
	keys_left = keys_left && src->next_key(src->ctx, &make, &brk);
	serial_left = serial_left && src->next_serial(src->ctx, &byte);
	if (serial_left)
		outb(p->serial_port + UART_MCR,
		     (uint8_t)(inb(p->serial_port + UART_MCR) | UART_MCR_LOOP));

	while (keys_left || serial_left || klen) {
		uint64_t now = rdtsc();
		st->wakes++;

		/* Keys pressed by now go into the keyboard's buffer. */
		while (keys_left && (int64_t)(now - key_due) >= 0) {
			st->keys++;
			for (unsigned i = 0; i < 2; i++) {
				if (klen == WORLD_KEYBOARD_BUFFER) {
					st->key_bytes_lost++;
					continue;
				}
				kbuf[(khead + klen++) % WORLD_KEYBOARD_BUFFER] = i ? brk : make;
			}
			key_due += p->key_every;
			keys_left = src->next_key(src->ctx, &make, &brk);
		}
		/* The keyboard sends when the controller is empty. */
		if (klen && (int64_t)(now - kbd_free_at) >= 0 &&
		    !(inb(I8042_STATUS) & (I8042_OUTPUT_FULL | I8042_INPUT_FULL))) {
			outb(I8042_COMMAND, I8042_WRITE_KEYBOARD_OUTPUT);
			i8042_wait_input_empty();
			outb(I8042_DATA, kbuf[khead]);
			khead = (khead + 1) % WORLD_KEYBOARD_BUFFER;
			klen--;
			st->key_bytes_sent++;
			kbd_free_at = now + p->ps2_byte;
		}
		/* The serial line: every byte whose time has come. */
		while (serial_left && (int64_t)(now - serial_due) >= 0) {
			outb(p->serial_port + UART_THR, byte);
			st->serial_sent++;
			if (now - serial_due > st->late_max) {
				st->late_max = now - serial_due;
				st->late_at = serial_due;
			}
			serial_due += p->serial_every;
			serial_left = src->next_serial(src->ctx, &byte);
		}

		if (keys_left || serial_left || klen)
			wait_tick();
	}
	st->done = rdtsc();
	lapic_timer_oneshot(0); /* stop ticking: a count of 0 stops the timer */
	lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED);
	for (;;)
		__asm__ volatile("cli\n\thlt" ::: "memory");
}
