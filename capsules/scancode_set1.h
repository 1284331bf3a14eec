/*
 * Scancode set 1 decoder: bytes from the keyboard in, key codes out.
 *
 * Set 1 is what a PC keyboard sends through an i8042 with translation on
 * (and what QEMU's send-key produces then). A key is one byte, the make
 * code; its release is the same byte with bit 7 set. Extended keys come
 * after an e0 prefix (e0 4b = Left). Two oddities:
 * - Pause has no release and is six bytes: e1 1d 45 e1 9d c5.
 * - Some keys are wrapped in "fake shifts" (e0 2a / e0 aa / e0 36 / e0 b6)
 *   that keep very old software happy, e.g. Print Screen is e0 2a e0 37 and
 *   e0 b7 e0 aa. Those are reported as ignored, never as Shift.
 *
 * The decoder is a pure state machine over bytes (no hardware, no log), so
 * it is tested on the host. Whatever it is fed, it returns to idle by the
 * end of the sequence or reports the sequence broken; it never waits for a
 * byte that cannot come.
 *
 * Protocol replies (fa ack, fe resend, 00/ff errors) are not scancodes: the
 * keyboard capsule takes them out before the bytes get here.
 */
#ifndef KNOCK_CAPSULES_SCANCODE_SET1_H
#define KNOCK_CAPSULES_SCANCODE_SET1_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/keycode.h"

/* The longest sequence: Pause. */
#define SET1_SEQ_MAX 6

enum set1_outcome {
	SET1_MORE,       /* a prefix or part of Pause: nothing to report yet */
	SET1_KEY,        /* `code` was pressed or released */
	SET1_IGNORED,    /* a fake shift */
	SET1_UNKNOWN,    /* a one-byte code that is no key */
	SET1_UNKNOWN_E0, /* e0 then a code that is no key */
	SET1_BROKEN_E0,  /* e0 followed by another prefix */
	SET1_BROKEN_E1,  /* the Pause sequence went off its track */
};

struct set1_result {
	enum set1_outcome outcome;
	enum key_code code; /* SET1_KEY only */
	bool pressed;       /* SET1_KEY only; Pause is reported pressed */
	/* The byte was NOT consumed: it broke the sequence in seq[], which is
	 * dropped; feed the same byte again (the decoder is idle now). Never
	 * set when the decoder was idle, so feeding again always terminates. */
	bool feed_again;
	/* The bytes this result is about (for the `keys` ring and messages). */
	uint8_t seq[SET1_SEQ_MAX];
	uint8_t seq_len;
};

struct set1_decoder {
	uint8_t state;
	uint8_t seq[SET1_SEQ_MAX];
	uint8_t seq_len;
};

/* The make code -> key table of one-byte keys (KEY_NONE: not one). */
extern const uint8_t set1_plain_keys[128];

/*
 * The usual byte, decided inline by the caller: with the decoder idle, a
 * byte that is not a prefix and whose make code is a one-byte key is that
 * key, pressed unless bit 7 (release) is set, and leaves the decoder idle.
 * Returns KEY_NONE for every other case: then set1_feed() decides.
 */
static inline enum key_code set1_plain_key(const struct set1_decoder *d, uint8_t byte)
{
	if (d->state != 0 || byte == 0xe0 || byte == 0xe1) /* 0: idle */
		return KEY_NONE;
	return (enum key_code)set1_plain_keys[byte & 0x7f];
}

void set1_reset(struct set1_decoder *d);
bool set1_is_idle(const struct set1_decoder *d);
/* The bytes of an unfinished sequence (after set1_reset: none). */
uint8_t set1_partial(const struct set1_decoder *d, uint8_t out[SET1_SEQ_MAX]);
void set1_feed(struct set1_decoder *d, uint8_t byte, struct set1_result *out);

#endif
