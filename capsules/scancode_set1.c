/*
 * Scancode set 1 decoder (see scancode_set1.h). The tables are indexed by
 * the make code (the byte without its release bit 0x80).
 */
#include "capsules/scancode_set1.h"

#include "kernel/string.h"

_Static_assert(KEY_COUNT <= 256, "key codes must fit the uint8_t tables");

#define RELEASE_BIT 0x80
#define PREFIX_E0 0xe0
#define PREFIX_E1 0xe1

/* The Pause key: e1 1d 45 e1 9d c5. */
static const uint8_t pause_sequence[SET1_SEQ_MAX] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };

enum set1_state {
	SET1_IDLE = 0, /* set1_plain_key() in the header knows it is 0 */
	SET1_AFTER_E0,
	/* SET1_IN_PAUSE + i: i bytes of pause_sequence seen (1..5). */
	SET1_IN_PAUSE,
};

/* clang-format off */
const uint8_t set1_plain_keys[128] = {
	[0x01] = KEY_ESC,
	[0x02] = KEY_1, [0x03] = KEY_2, [0x04] = KEY_3, [0x05] = KEY_4, [0x06] = KEY_5,
	[0x07] = KEY_6, [0x08] = KEY_7, [0x09] = KEY_8, [0x0a] = KEY_9, [0x0b] = KEY_0,
	[0x0c] = KEY_MINUS, [0x0d] = KEY_EQUAL, [0x0e] = KEY_BACKSPACE, [0x0f] = KEY_TAB,
	[0x10] = KEY_Q, [0x11] = KEY_W, [0x12] = KEY_E, [0x13] = KEY_R, [0x14] = KEY_T,
	[0x15] = KEY_Y, [0x16] = KEY_U, [0x17] = KEY_I, [0x18] = KEY_O, [0x19] = KEY_P,
	[0x1a] = KEY_LEFT_BRACKET, [0x1b] = KEY_RIGHT_BRACKET, [0x1c] = KEY_ENTER,
	[0x1d] = KEY_LEFT_CTRL,
	[0x1e] = KEY_A, [0x1f] = KEY_S, [0x20] = KEY_D, [0x21] = KEY_F, [0x22] = KEY_G,
	[0x23] = KEY_H, [0x24] = KEY_J, [0x25] = KEY_K, [0x26] = KEY_L,
	[0x27] = KEY_SEMICOLON, [0x28] = KEY_APOSTROPHE, [0x29] = KEY_GRAVE,
	[0x2a] = KEY_LEFT_SHIFT, [0x2b] = KEY_BACKSLASH,
	[0x2c] = KEY_Z, [0x2d] = KEY_X, [0x2e] = KEY_C, [0x2f] = KEY_V, [0x30] = KEY_B,
	[0x31] = KEY_N, [0x32] = KEY_M, [0x33] = KEY_COMMA, [0x34] = KEY_DOT,
	[0x35] = KEY_SLASH, [0x36] = KEY_RIGHT_SHIFT, [0x37] = KEY_KP_ASTERISK,
	[0x38] = KEY_LEFT_ALT, [0x39] = KEY_SPACE, [0x3a] = KEY_CAPS_LOCK,
	[0x3b] = KEY_F1, [0x3c] = KEY_F2, [0x3d] = KEY_F3, [0x3e] = KEY_F4, [0x3f] = KEY_F5,
	[0x40] = KEY_F6, [0x41] = KEY_F7, [0x42] = KEY_F8, [0x43] = KEY_F9, [0x44] = KEY_F10,
	[0x45] = KEY_NUM_LOCK, [0x46] = KEY_SCROLL_LOCK,
	[0x47] = KEY_KP_7, [0x48] = KEY_KP_8, [0x49] = KEY_KP_9, [0x4a] = KEY_KP_MINUS,
	[0x4b] = KEY_KP_4, [0x4c] = KEY_KP_5, [0x4d] = KEY_KP_6, [0x4e] = KEY_KP_PLUS,
	[0x4f] = KEY_KP_1, [0x50] = KEY_KP_2, [0x51] = KEY_KP_3, [0x52] = KEY_KP_0,
	[0x53] = KEY_KP_DOT, [0x54] = KEY_SYSRQ, [0x56] = KEY_102ND,
	[0x57] = KEY_F11, [0x58] = KEY_F12,
};

static const uint8_t e0_keys[128] = {
	[0x1c] = KEY_KP_ENTER, [0x1d] = KEY_RIGHT_CTRL, [0x35] = KEY_KP_SLASH,
	[0x37] = KEY_PRINT_SCREEN, [0x38] = KEY_RIGHT_ALT, [0x46] = KEY_BREAK,
	[0x47] = KEY_HOME, [0x48] = KEY_UP, [0x49] = KEY_PAGE_UP, [0x4b] = KEY_LEFT,
	[0x4d] = KEY_RIGHT, [0x4f] = KEY_END, [0x50] = KEY_DOWN, [0x51] = KEY_PAGE_DOWN,
	[0x52] = KEY_INSERT, [0x53] = KEY_DELETE,
	[0x5b] = KEY_LEFT_GUI, [0x5c] = KEY_RIGHT_GUI, [0x5d] = KEY_MENU,
};
/* clang-format on */

/* e0 2a and e0 36 (and their releases): the fake shifts. */
static bool is_fake_shift(uint8_t make)
{
	return make == 0x2a || make == 0x36;
}

void set1_reset(struct set1_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

bool set1_is_idle(const struct set1_decoder *d)
{
	return d->state == SET1_IDLE;
}

uint8_t set1_partial(const struct set1_decoder *d, uint8_t out[SET1_SEQ_MAX])
{
	memcpy(out, d->seq, d->seq_len);
	return d->seq_len;
}

/* Hand the collected sequence to the result and go back to idle. */
static void finish(struct set1_decoder *d, struct set1_result *out, enum set1_outcome outcome)
{
	out->outcome = outcome;
	memcpy(out->seq, d->seq, d->seq_len);
	out->seq_len = d->seq_len;
	set1_reset(d);
}

static void collect(struct set1_decoder *d, uint8_t byte)
{
	if (d->seq_len < SET1_SEQ_MAX)
		d->seq[d->seq_len++] = byte;
}

static void feed_idle(struct set1_decoder *d, uint8_t byte, struct set1_result *out)
{
	collect(d, byte);
	if (byte == PREFIX_E0) {
		d->state = SET1_AFTER_E0;
		return;
	}
	if (byte == PREFIX_E1) {
		d->state = SET1_IN_PAUSE + 1;
		return;
	}
	uint8_t key = set1_plain_keys[byte & ~RELEASE_BIT];
	if (key == KEY_NONE) {
		finish(d, out, SET1_UNKNOWN);
		return;
	}
	out->code = key;
	out->pressed = !(byte & RELEASE_BIT);
	finish(d, out, SET1_KEY);
}

static void feed_after_e0(struct set1_decoder *d, uint8_t byte, struct set1_result *out)
{
	if (byte == PREFIX_E0 || byte == PREFIX_E1) {
		out->feed_again = true;
		finish(d, out, SET1_BROKEN_E0);
		return;
	}
	collect(d, byte);
	uint8_t make = byte & ~RELEASE_BIT;
	if (is_fake_shift(make)) {
		finish(d, out, SET1_IGNORED);
		return;
	}
	uint8_t key = e0_keys[make];
	if (key == KEY_NONE) {
		finish(d, out, SET1_UNKNOWN_E0);
		return;
	}
	out->code = key;
	out->pressed = !(byte & RELEASE_BIT);
	finish(d, out, SET1_KEY);
}

static void feed_in_pause(struct set1_decoder *d, uint8_t byte, struct set1_result *out)
{
	unsigned seen = d->state - SET1_IN_PAUSE;

	if (byte != pause_sequence[seen]) {
		out->feed_again = true;
		finish(d, out, SET1_BROKEN_E1);
		return;
	}
	collect(d, byte);
	if (seen + 1 < SET1_SEQ_MAX) {
		d->state++;
		return;
	}
	out->code = KEY_PAUSE;
	out->pressed = true;
	finish(d, out, SET1_KEY);
}

void set1_feed(struct set1_decoder *d, uint8_t byte, struct set1_result *out)
{
	/* The usual byte: a whole key in one byte, with the decoder idle (its
	 * seq_len is 0 then, and stays so). Decided with one table load, and
	 * only the fields a SET1_KEY result has are written. */
	{
		enum key_code key = set1_plain_key(d, byte);
		if (key != KEY_NONE) {
			out->outcome = SET1_KEY;
			out->code = key;
			out->pressed = !(byte & RELEASE_BIT);
			out->feed_again = false;
			out->seq[0] = byte;
			out->seq_len = 1;
			return;
		}
	}
	memset(out, 0, sizeof(*out));
	out->outcome = SET1_MORE;
	if (d->state == SET1_IDLE)
		feed_idle(d, byte, out);
	else if (d->state == SET1_AFTER_E0)
		feed_after_e0(d, byte, out);
	else
		feed_in_pause(d, byte, out);
}
