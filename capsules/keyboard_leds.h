/*
 * The keyboard LEDs, driven without blocking.
 *
 * Setting the LEDs is a two-byte command, each byte answered by the
 * keyboard: ed -> fa, mask -> fa. A keyboard that wants a byte again
 * answers fe instead. Nothing here waits: set() sends the first byte and
 * returns; the replies arrive later through the PS/2 port's service, and
 * reply() moves the exchange on. A change asked for during an exchange is
 * remembered and sent when the exchange ends, so the LEDs always end up
 * matching the last request.
 *
 * Failures are bounded: a byte is resent at most LEDS_MAX_RESENDS times,
 * and an exchange whose reply never comes (LEDS_PATIENCE_BYTES scancodes
 * arrive instead) is abandoned. Both are logged and counted; the LEDs are
 * cosmetic, so neither ever stops the keys.
 */
#ifndef KNOCK_CAPSULES_KEYBOARD_LEDS_H
#define KNOCK_CAPSULES_KEYBOARD_LEDS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/ps2.h"

/* The LED mask byte (the second byte of the ed command). */
#define LED_SCROLL_LOCK 0x01
#define LED_NUM_LOCK 0x02
#define LED_CAPS_LOCK 0x04

#define LEDS_CMD_SET 0xed
#define LEDS_REPLY_ACK 0xfa
#define LEDS_REPLY_RESEND 0xfe
#define LEDS_MAX_RESENDS 3
#define LEDS_PATIENCE_BYTES 32

struct keyboard_leds_stats {
	uint64_t commands;      /* exchanges started */
	uint64_t completed;     /* exchanges acknowledged to the end */
	uint64_t resends;       /* bytes sent again after fe */
	uint64_t give_ups;      /* exchanges abandoned after too many fe */
	uint64_t lost_replies;  /* exchanges abandoned for want of a reply */
	uint64_t send_failures; /* the controller would not take a byte */
};

struct keyboard_leds {
	struct hil_ps2 ps2;
	uint8_t state;
	uint8_t wanted;          /* what the lock keys say the LEDs should be */
	uint8_t in_flight;       /* the mask of the current exchange */
	uint8_t last_sent;       /* the byte a fe asks for again */
	uint8_t resends_of_byte; /* fe replies to last_sent so far */
	uint8_t bytes_waited;    /* other bytes seen while waiting for a reply */
	struct keyboard_leds_stats stats;
};

void keyboard_leds_init(struct keyboard_leds *l, const struct hil_ps2 *ps2);
/* Ask for `mask` (LED_* bits). Starts an exchange now, or after the
 * current one. */
void keyboard_leds_set(struct keyboard_leds *l, uint8_t mask);
/* A byte from the keyboard. Returns true if it was the reply (fa or fe) the
 * exchange was waiting for and has been consumed; false otherwise (a fa or
 * fe that nobody expected, or any other byte, which counts against the
 * patience of a waiting exchange). */
bool keyboard_leds_reply(struct keyboard_leds *l, uint8_t byte);
static inline bool keyboard_leds_byte(struct keyboard_leds *l, uint8_t byte)
{
	/* Inline for the usual case, no exchange under way (state 0): every
	 * keystroke's byte asks this first. */
	return l->state != 0 && keyboard_leds_reply(l, byte);
}
bool keyboard_leds_busy(const struct keyboard_leds *l);

#endif
