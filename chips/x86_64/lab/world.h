/*
 * world: the bake-off's outside world, played on the CPU under test from
 * a periodic NMI (docs/bakeoff.md, "The same load for every design").
 *
 * Under QEMU -icount shift=0,sleep=off the guest is deterministic: its
 * clock counts instructions, and timers fire at fixed instructions. The
 * keys and serial bytes a host sends are not: they arrive at host pace.
 * So the load's far ends are played inside the guest, on a seeded
 * schedule, by this code, paced by its own clock (the TSC):
 *
 *  - a PS/2 keyboard: keys pressed on a fixed schedule go into the
 *    keyboard's own buffer (WORLD_KEYBOARD_BUFFER bytes, as a real
 *    keyboard's); a byte goes to the controller only when its output
 *    buffer is empty, at most one per PS/2 byte time, written with the
 *    i8042's command 0xD2 ("write keyboard output buffer": the controller
 *    raises IRQ1 as if the keyboard had sent it). A key pressed into a
 *    full buffer is what a real keyboard loses.
 *  - a serial line at a fixed baud rate into COM2 in loopback mode (MCR
 *    bit 4: what the UART transmits, it receives): one byte per byte time
 *    whether or not anyone reads, so a full 16-byte FIFO overruns as a
 *    real 16550's does (QEMU sets LSR's overrun bit and drops the byte).
 *    When the bytes are out and the source has more after a pause (the
 *    sink's terminator again, if it lost it), it sends that too.
 *
 * Why an NMI on the CPU under test, not a second CPU: QEMU 7.2 runs all
 * vCPUs of an -icount guest on one thread, in turn, each up to the next
 * timer deadline: CPU 0 always goes first and uses the whole slice, so a
 * second CPU only runs while CPU 0 sleeps, never during a long callback
 * (docs/bakeoff.md). Why an NMI: it arrives whatever the design does,
 * interrupts off included, and the world's steps are the same code for
 * every design. Its source is an HPET timer (chips/x86_64/lab/hpet_nmi.h).
 *
 * A step takes instructions from the design it interrupts; its entry
 * stub adds them up (irq_off_meter_stolen), and the interrupts-off meter
 * takes them out of any window they fell in.
 *
 * Spec: IBM PC AT Technical Reference, 8042 commands (0xD2); TI PC16550D
 * datasheet (MCR loop bit, LSR); Intel SDM vol. 3A 6.7 (NMI).
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
	/* The next serial byte. False: no more for now. */
	bool (*next_serial)(void *ctx, uint8_t *byte);
	/* The line has been quiet for plan.serial_again: anything more to
	 * send? (NULL: no.) True: next_serial() has more bytes. */
	bool (*serial_again)(void *ctx);
};

struct world_plan {
	uint64_t key_every;    /* TSC cycles between key presses */
	uint64_t ps2_byte;     /* one byte on the PS/2 wire */
	uint64_t serial_every; /* one byte at the line's baud rate */
	uint64_t serial_again; /* quiet time before asking serial_again() */
	uint64_t tick_ns;      /* the world looks at its schedule this often */
	uint16_t serial_port;  /* the loopback UART's base */
	uint8_t apic_id;       /* the CPU it runs on */
};

/* What was sent (written only by the world, read by the host). */
struct world_stats {
	uint64_t keys;           /* keys pressed */
	uint64_t key_bytes_sent; /* bytes the controller took */
	uint64_t key_bytes_lost; /* pressed into a full keyboard buffer */
	uint64_t serial_sent;
	uint64_t serial_again; /* times serial_again() gave more */
	uint64_t steps;        /* NMIs that ran a step */
	uint64_t late_max;     /* latest a byte went out after its time, cycles */
	uint64_t late_at;      /* ...the time it was due */
	uint64_t started;      /* TSC when the world started; 0 before */
	uint64_t done;         /* TSC when everything was sent; 0 before */
};

/* Set up the UART at `port` as the world's line ends it (115200 8N1,
 * FIFOs on, the receive interrupt at the first byte) and say whether it
 * is there (a loopback test). The design under test then drives it as
 * any 16550 (uart16550_init_irq). The trigger at 1 byte, not the
 * console's 4 (UART16550_RX_TRIGGER), gives every design the whole FIFO,
 * 16 byte times (1.4 ms), from the first byte's knock to an overrun: at
 * 14, a knock would come only 2 byte times before one, and no loop that
 * runs 1 ms slices could answer it (docs/bakeoff.md, "Loss as hardware
 * would count it"). */
#define WORLD_SERIAL_TRIGGER 1
bool world_serial_init(uint16_t port);

/* Point this CPU's NMI gate at the world (the lab image has no
 * processes, so no NMI can come while the kernel runs on a user stack
 * and the gate needs no stack of its own). Boot time; with no world
 * running, an NMI is counted (world_stray_nmis) and ignored. */
void world_install_nmi(void);
extern uint64_t world_stray_nmis;

/* Start the world now (interrupts on or off): the schedule's time 0 (in
 * stats->started). Its NMIs start one tick later. hpet_nmi_probe() must
 * have said yes. */
void world_start(const struct world_plan *plan, const struct world_source *src,
		 struct world_stats *stats);

#endif
