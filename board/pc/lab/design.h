/*
 * The interrupt design the pc board runs, chosen at boot (docs/bakeoff.md):
 *
 *   design=knock     (default) top halves only set a bit; the loop answers.
 *   design=inisr     the whole driver runs in the interrupt handler, with
 *                    interrupts off; the loop then runs its callbacks with
 *                    interrupts off too, since they share the drivers' state.
 *   design=isrqueue  the handler reads the device's data into that
 *                    source's ring (kernel/lab/isr_queue.h) or raises its
 *                    flag (timer, transmit empty); the loop drains the
 *                    rings with interrupts on; a full ring throttles its
 *                    source instead of dropping (design_isrqueue.c).
 *   bakeoff          measure (kernel latency per source, interrupts-off
 *                    windows, idle time) and run the bake-off's workload
 *                    (capsules/bakeoff_load.h); `make bench` does this for
 *                    each design (tools/bakeoff.py).
 *
 * The board wires every device as knock's design wants it (wire_*.c,
 * loop_set_client). board_design_wire() then takes each device bit's
 * driver back from the loop (loop_slot_client_fn, loop_slot_ctx) and runs
 * it where the design says: in a C handler on the vector, or behind the
 * queue's drain (loop_replace_client). With design=knock and no bakeoff
 * option it changes nothing. Every device row is taken over or the boot
 * panics: no device is silently left unserviced.
 */
#ifndef KNOCK_BOARD_PC_DESIGN_H
#define KNOCK_BOARD_PC_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/pc/interrupts.h"
#include "board/pc/lab/interrupts.h"
#include "kernel/latency_hist.h"
#include "kernel/loop.h"

enum board_design {
	BOARD_DESIGN_KNOCK,
	BOARD_DESIGN_INISR,
	BOARD_DESIGN_ISRQUEUE,
};

/* Rows of the product's interrupt table; their bits are 0 ..
 * BOARD_DEVICES-1. The designs also run the lab's COM2 (bit BIT_COM2,
 * the outside world's serial line): bits below DESIGN_BITS for which
 * design_device_bit() holds. */
enum {
#define BOARD_COUNT_ROW(e, name, vector, bit, isa, cpu) BOARD_ROW_##e,
	BOARD_INTERRUPTS(BOARD_COUNT_ROW)
#undef BOARD_COUNT_ROW
	BOARD_DEVICES
};

#define DESIGN_BITS (BIT_COM2 + 1)
static inline bool design_device_bit(unsigned bit)
{
	return bit < BOARD_DEVICES || bit == BIT_COM2;
}

extern enum board_design board_design;
/* With `bakeoff world`, the load's keys and serial bytes come from the
 * outside world, played on the boot CPU from NMIs
 * (chips/x86_64/lab/world.h), instead of the host (set here, wired by
 * board/pc/lab/wire_bakeoff.c). */
extern bool board_world;
/* The UART the world sends on (COM2), or NULL when there is none
 * (wire_bakeoff.c). */
struct uart16550 *board_world_uart(void);
extern bool board_bakeoff;

/* Read design= and bakeoff (after board_options_load()). */
void board_design_init(void);
const char *board_design_name(void);

/* After the board's wiring, before loop_verify(): run each device's
 * driver the design's way. A design other than knock, or the bakeoff
 * option, limits knock to the boot CPU (one handler table and one set of
 * measured clients, wired for the boot CPU's devices). */
void board_design_wire(void);

/* Just before the loop: calibrate the slow stubs and read what the
 * devices raised while masked (the ISR-queue design). */
void board_design_prepare(void);
/* The design's loop (the guarded one for inisr), for good. */
_Noreturn void board_design_loop(void);

/* Interrupt entry to service done, per device bit, in cycles (bakeoff
 * only): from the stamped top half's TSC (knock) or the handler's entry
 * (the others) to the moment the driver's work for it returned. */
extern struct latency_hist board_design_latency[DESIGN_BITS];
void board_design_latency_add(unsigned bit, uint64_t cycles);

/*
 * What a real 16550 would have lost (bakeoff only; docs/bakeoff.md, "Loss
 * as hardware would count it"). QEMU's UART never overruns: while its
 * 16-byte FIFO is full it stops taking bytes from the host. A real one at
 * 115200 baud receives a byte every BOARD_UART_BYTE_US (86.8 us) whether
 * or not anyone reads, and its FIFO holds 16. Each time a design reads the
 * receive FIFO (a driver's drain, a handler's read), it reports when the
 * read began, when the first interrupt of those bytes came, how many bytes
 * it read, when it stopped and whether the FIFO was empty then. A read that
 * found the FIFO nearly full (14 bytes or more) means the line was
 * streaming: bytes then arrived one per byte time from the later of the
 * last time the FIFO was left empty and trigger - 1 byte times before that
 * first interrupt (the UART interrupts at its `trigger`'s byte, set from
 * its FCR); what would have arrived by the time the read began beyond 16
 * is what hardware loses. Left throttled (not empty), bytes arrive from
 * the moment reading stopped: a lower bound.
 */
struct serial_hw_model {
	uint64_t byte_cycles; /* one byte time at 115200 baud, in TSC cycles */
	unsigned trigger;     /* the receive FIFO level the UART interrupts at */
	uint64_t stopped;     /* when the last read ended */
	bool emptied;         /* ...and whether it left the FIFO empty */
	uint64_t lost;        /* bytes a real 16550 would have overrun */
	uint64_t full_reads;  /* reads that found the line streaming */
	uint64_t worst_held;  /* longest a streaming FIFO went unread, cycles */
};
extern struct serial_hw_model board_design_serial_hw;
/* The device bit the load's serial bytes come in on (COM1 from the host,
 * COM2 from the outside world), and its driver. */
extern unsigned board_design_serial_bit;
struct uart16550;
struct uart16550 *board_design_uart(unsigned bit);
void board_design_serial_read(uint64_t first_irq, uint64_t began, uint64_t bytes, uint64_t ended,
			      bool emptied);

/* The ISR-queue design's parts (design_isrqueue.c). */
void design_isrqueue_init(void);
/* The handler of device `bit`: read its data into its ring, or raise its
 * flag. */
void design_isrqueue_read(unsigned bit, uint64_t entry);
/* The loop client of device bit *(unsigned *)ctx: drain its ring, serve
 * its flags. */
void design_isrqueue_drain(void *ctx);
struct isr_queue;
extern struct isr_queue design_isrqueue_keyboard, design_isrqueue_com1, design_isrqueue_com2;

#endif
