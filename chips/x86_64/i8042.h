/*
 * The i8042 PS/2 controller, keyboard port only (struct hil_ps2).
 *
 * Initialised with translation on, so the keyboard's bytes arrive as
 * scancode set 1, and with the port's interrupt (ISA IRQ1) on. The mouse
 * port stays off; a byte from it is read (to free the output buffer) and
 * dropped.
 */
#ifndef KNOCK_CHIPS_I8042_H
#define KNOCK_CHIPS_I8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/hil/ps2.h"

struct i8042_stats {
	uint64_t services;       /* service() calls */
	uint64_t empty_services; /* ...that found no byte waiting */
	uint64_t bytes;          /* keyboard bytes drained and handed over */
	uint64_t aux_bytes;      /* mouse-port bytes drained and dropped */
	uint64_t drain_limits;   /* services stopped by the drain bound */
	uint64_t sent;           /* bytes sent to the keyboard */
	uint64_t send_timeouts;  /* send() refused: the input buffer stayed full */
	uint64_t timeouts;       /* init waits that expired */
};

struct i8042 {
	bool present;   /* passed the self-test and the port test */
	uint8_t config; /* the configuration byte written at init */
	struct hil_ps2_client client;
	bool has_client;
	struct i8042_stats stats;
};

/* Initialise the controller (see i8042.c for the steps). Returns 0, or -1
 * when there is no working controller: service() and send() then do
 * nothing, so the board can wire the keyboard either way. */
int i8042_init(struct i8042 *c);

/* A hil_ps2 over `c`, to hand to the keyboard capsule. */
void i8042_hil(struct i8042 *c, struct hil_ps2 *out);

/*
 * The bake-off's ISR-queue design (docs/bakeoff.md), where an interrupt
 * handler reads the device and the loop later hands the bytes on; knock's
 * own path is service() through the hil_ps2.
 *
 * i8042_read_byte(), in the handler: the one byte the controller holds
 * (0..255), or -1 when there is none or it came from the mouse port (read
 * and dropped, as service() does). i8042_deliver(), in the loop: give
 * bytes read that way to the client, counted as service() counts them.
 */
int i8042_read_byte(struct i8042 *c);
void i8042_deliver(struct i8042 *c, const uint8_t *bytes, size_t n);

#endif
