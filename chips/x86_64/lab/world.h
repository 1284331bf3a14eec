/*
 * world: the bake-off's outside world, on a second CPU of the lab image
 * (docs/bakeoff.md, "The same load for every design").
 *
 * Under QEMU -icount shift=0 every vCPU runs in one host thread, taking
 * turns at points fixed in guest instructions, so a load that a guest CPU
 * generates arrives at the same guest instant in every run. The keys and
 * serial bytes a host sends do not: they come at host pace. So this CPU
 * plays the devices' far ends, paced by its own LAPIC timer, ticking every
 * plan.tick (it halts in between, so the clock counts mostly the design's
 * instructions, not its own):
 *
 *  - a PS/2 keyboard: keys pressed on a fixed schedule go into the
 *    keyboard's own buffer (KEYBOARD_BUFFER bytes, as a real keyboard's);
 *    a byte goes to the controller only when its output buffer is empty,
 *    at most one per PS/2 byte time, written with the i8042's command
 *    0xD2 ("write keyboard output buffer": the controller raises IRQ1 as
 *    if the keyboard had sent it). A key pressed into a full buffer is
 *    what a real keyboard loses.
 *  - a serial line at a fixed baud rate into COM2 in loopback mode (MCR
 *    bit 4: what the UART transmits, it receives): one byte per byte time
 *    whether or not anyone reads, so a full 16-byte FIFO overruns as a
 *    real 16550's does (QEMU sets LSR's overrun bit and drops the byte).
 *
 * Device interrupts go to the boot CPU, where the design under test runs;
 * this CPU takes only its own timer's, on a vector whose top half touches
 * nothing but this CPU's pending word.
 *
 * Spec: Intel SDM vol. 3A 10.5.4 (APIC timer, one-shot); IBM PC AT
 * Technical Reference, 8042 commands (0xD2); TI PC16550D datasheet (MCR
 * loop bit, LSR).
 */
#ifndef KNOCK_CHIPS_X86_64_LAB_WORLD_H
#define KNOCK_CHIPS_X86_64_LAB_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#define WORLD_KEYBOARD_BUFFER 16

/* Where the bytes come from (the board's seeded load). */
struct world_source {
	void *ctx;
	/* The next key: its make and break scancodes (set 1). False: no more. */
	bool (*next_key)(void *ctx, uint8_t *make, uint8_t *brk);
	/* The next serial byte. False: no more. */
	bool (*next_serial)(void *ctx, uint8_t *byte);
};

struct world_plan {
	uint64_t start;        /* TSC of the first key */
	uint64_t key_every;    /* TSC cycles between key presses */
	uint64_t ps2_byte;     /* one byte on the PS/2 wire */
	uint64_t serial_start; /* TSC of the first serial byte */
	uint64_t serial_every; /* one byte at the line's baud rate */
	uint64_t tick;         /* the world looks at its schedule this often */
	uint64_t lapic_per_tsc_q32;
	uint8_t timer_vector; /* this CPU's LAPIC timer, while it runs */
	uint16_t serial_port; /* the loopback UART's base */
};

/* What was sent (written only by the world's CPU, read by the host). */
struct world_stats {
	uint64_t keys;           /* keys pressed */
	uint64_t key_bytes_sent; /* bytes the controller took */
	uint64_t key_bytes_lost; /* pressed into a full keyboard buffer */
	uint64_t serial_sent;
	uint64_t wakes;
	uint64_t late_max; /* latest a byte went out after its time, cycles */
	uint64_t late_at;  /* ...the time it was due */
	uint64_t done;     /* TSC when everything was sent; 0 before */
};

/* Set up the UART at `port` as the world's line ends it (115200 8N1,
 * FIFOs on, interrupt at 14 bytes, as knock's console UART) and say
 * whether it is there (a loopback test). The design under test then
 * drives it as any 16550 (uart16550_init_irq). */
bool world_serial_init(uint16_t port);

/* Run the world on this CPU, interrupts off, for good. */
_Noreturn void world_run(const struct world_plan *plan, const struct world_source *src,
			 struct world_stats *stats);

#endif
