/*
 * keyboard capsule (see keyboard.h): port bytes -> LED replies, decoder,
 * modifiers and layout -> key events.
 */
#include "capsules/keyboard.h"

#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

#define BYTE_ERROR_LOW 0x00  /* key detection error or buffer overrun */
#define BYTE_ERROR_HIGH 0xff /* the same, in some modes */

static const char *const anomaly_names[KEYBOARD_ANOMALY_COUNT] = {
#define KEYBOARD_ANOMALY_NAME(id, text) [KEYBOARD_##id] = (text),
	KEYBOARD_ANOMALIES(KEYBOARD_ANOMALY_NAME)
#undef KEYBOARD_ANOMALY_NAME
};

const char *keyboard_anomaly_name(enum keyboard_anomaly a)
{
	if ((unsigned)a >= KEYBOARD_ANOMALY_COUNT)
		return "?";
	return anomaly_names[a];
}

/* --- the `keys` ring ---------------------------------------------------- */

static void record(struct keyboard *kb, const uint8_t *bytes, uint8_t n,
		   enum keyboard_entry_kind kind, enum keyboard_anomaly anomaly,
		   const struct key_event *ev)
{
	struct keyboard_recent_entry *e = &kb->recent[kb->recent_next];

	memset(e, 0, sizeof(*e));
	if (n > SET1_SEQ_MAX)
		n = SET1_SEQ_MAX;
	memcpy(e->bytes, bytes, n);
	e->n_bytes = n;
	e->kind = kind;
	e->anomaly = anomaly;
	if (ev)
		e->key = *ev;
	kb->recent_next = (kb->recent_next + 1) % KEYBOARD_RECENT_MAX;
	if (kb->recent_count < KEYBOARD_RECENT_MAX)
		kb->recent_count++;
}

size_t keyboard_recent(const struct keyboard *kb, struct keyboard_recent_entry *out, size_t max)
{
	size_t n = kb->recent_count < max ? kb->recent_count : max;
	/* The newest n entries, oldest first. */
	unsigned first = (kb->recent_next + KEYBOARD_RECENT_MAX - n) % KEYBOARD_RECENT_MAX;

	for (size_t i = 0; i < n; i++)
		out[i] = kb->recent[(first + i) % KEYBOARD_RECENT_MAX];
	return n;
}

static int format_bytes(char *buf, size_t size, const uint8_t *bytes, uint8_t n)
{
	int len = 0;

	if (size)
		buf[0] = '\0';
	for (uint8_t i = 0; i < n; i++) {
		size_t used = (size_t)len < size ? (size_t)len : size;
		len += ksnprintf(buf + used, size - used, "%s%02x", i ? " " : "", bytes[i]);
	}
	return len;
}

int keyboard_describe(const struct keyboard_recent_entry *e, char *buf, size_t size)
{
	char hex[3 * SET1_SEQ_MAX + 1];

	format_bytes(hex, sizeof(hex), e->bytes, e->n_bytes);
	switch (e->kind) {
	case KEYBOARD_ENTRY_KEY: {
		const struct key_event *k = &e->key;
		char ch[12] = "";
		if (k->ascii >= 0x20 && k->ascii < 0x7f)
			ksnprintf(ch, sizeof(ch), " '%c'", k->ascii);
		else if (k->ascii)
			ksnprintf(ch, sizeof(ch), " 0x%02x", k->ascii);
		return ksnprintf(buf, size, "%-18s%s %s%s%s", hex, key_code_name(k->code),
				 k->pressed ? "down" : "up", k->repeat ? " (repeat)" : "", ch);
	}
	case KEYBOARD_ENTRY_IGNORED:
		return ksnprintf(buf, size, "%-18s(fake shift, ignored)", hex);
	case KEYBOARD_ENTRY_REPLY:
		return ksnprintf(buf, size, "%-18s(reply to the LED command)", hex);
	case KEYBOARD_ENTRY_ANOMALY:
		break;
	}
	return ksnprintf(buf, size, "%-18s(%s)", hex, keyboard_anomaly_name(e->anomaly));
}

/* --- bad input ---------------------------------------------------------- */

/* Count it, keep it in the ring, and say so the first time of each kind.
 * `next` is the byte that broke a sequence (-1 if none). */
static void anomaly(struct keyboard *kb, enum keyboard_anomaly a, const uint8_t *bytes, uint8_t n,
		    int next)
{
	kb->stats.anomalies[a]++;
	if (a == KEYBOARD_UNKNOWN || a == KEYBOARD_UNKNOWN_E0)
		kb->stats.unknown++;
	else if (a == KEYBOARD_BROKEN_E0 || a == KEYBOARD_BROKEN_E1)
		kb->stats.sequence_errors++;
	record(kb, bytes, n, KEYBOARD_ENTRY_ANOMALY, a, NULL);

	if (kb->anomalies_logged & (1u << a))
		return;
	kb->anomalies_logged |= 1u << a;
	char hex[3 * SET1_SEQ_MAX + 1];
	char then[12] = "";
	format_bytes(hex, sizeof(hex), bytes, n);
	if (next >= 0)
		ksnprintf(then, sizeof(then), ", then %02x", next);
	log_warn("keyboard: %s %s%s (counted; further ones not logged)", keyboard_anomaly_name(a),
		 hex, then);
}

/* --- keys --------------------------------------------------------------- */

/* Inline (like deliver() below): the file is built for size, and each of
 * the two is on the usual key's way to its client. */
static inline __attribute__((always_inline)) bool is_keypad_numeric(enum key_code c)
{
	return (c >= KEY_KP_7 && c <= KEY_KP_9) || (c >= KEY_KP_4 && c <= KEY_KP_6) ||
	       (c >= KEY_KP_1 && c <= KEY_KP_DOT);
}

/* Num Lock as the keypad sees it: Shift inverts it, as on every PC. */
static bool keypad_types_digits(uint16_t mods)
{
	return !!(mods & KEYMOD_NUM_LOCK) != !!(mods & KEYMOD_SHIFT);
}

/* The navigation key a keypad key stands for when it does not type. */
static enum key_code keypad_navigation(enum key_code c)
{
	switch (c) {
	case KEY_KP_7:
		return KEY_HOME;
	case KEY_KP_8:
		return KEY_UP;
	case KEY_KP_9:
		return KEY_PAGE_UP;
	case KEY_KP_4:
		return KEY_LEFT;
	case KEY_KP_6:
		return KEY_RIGHT;
	case KEY_KP_1:
		return KEY_END;
	case KEY_KP_2:
		return KEY_DOWN;
	case KEY_KP_3:
		return KEY_PAGE_DOWN;
	case KEY_KP_0:
		return KEY_INSERT;
	case KEY_KP_DOT:
		return KEY_DELETE;
	default:
		return c; /* KP_5 stays itself and types nothing */
	}
}

static enum key_code reported_code(const struct keyboard *kb, enum key_code raw)
{
	if (is_keypad_numeric(raw) && !keypad_types_digits(kb->modifiers))
		return keypad_navigation(raw);
	return raw;
}

static uint8_t control_char(uint8_t c)
{
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 1);
	if (c >= '@' && c <= '_') /* A-Z and @ [ \ ] ^ _ */
		return c & 0x1f;
	if (c < 0x20) /* Enter, Tab, Backspace, Esc keep theirs */
		return c;
	return 0;
}

static inline __attribute__((always_inline)) uint8_t typed_char(const struct keyboard *kb,
								enum key_code raw)
{
	uint16_t mods = kb->modifiers;
	uint8_t c = kb->keymap->plain[raw];

	if (!c)
		return 0;
	if (is_keypad_numeric(raw))
		return keypad_types_digits(mods) ? c : 0;
	bool shift = mods & KEYMOD_SHIFT;
	if (c >= 'a' && c <= 'z' && (mods & KEYMOD_CAPS_LOCK))
		shift = !shift;
	if (shift && kb->keymap->shifted[raw])
		c = kb->keymap->shifted[raw];
	if (mods & KEYMOD_CTRL)
		return control_char(c);
	return c;
}

/* The modifier and lock bits of the keys that have one, indexed by key
 * code: one load per key instead of a switch. */
static const uint16_t modifier_bits[KEY_COUNT] = {
	[KEY_LEFT_SHIFT] = KEYMOD_LEFT_SHIFT, [KEY_RIGHT_SHIFT] = KEYMOD_RIGHT_SHIFT,
	[KEY_LEFT_CTRL] = KEYMOD_LEFT_CTRL,   [KEY_RIGHT_CTRL] = KEYMOD_RIGHT_CTRL,
	[KEY_LEFT_ALT] = KEYMOD_LEFT_ALT,     [KEY_RIGHT_ALT] = KEYMOD_RIGHT_ALT,
	[KEY_LEFT_GUI] = KEYMOD_LEFT_GUI,     [KEY_RIGHT_GUI] = KEYMOD_RIGHT_GUI,
};

static const uint16_t lock_bits[KEY_COUNT] = {
	[KEY_CAPS_LOCK] = KEYMOD_CAPS_LOCK,
	[KEY_NUM_LOCK] = KEYMOD_NUM_LOCK,
	[KEY_SCROLL_LOCK] = KEYMOD_SCROLL_LOCK,
};

static uint16_t modifier_bit(enum key_code c)
{
	return (unsigned)c < KEY_COUNT ? modifier_bits[c] : 0;
}

static uint16_t lock_bit(enum key_code c)
{
	return (unsigned)c < KEY_COUNT ? lock_bits[c] : 0;
}

static uint8_t led_mask(uint16_t mods)
{
	return (uint8_t)(((mods & KEYMOD_CAPS_LOCK) ? LED_CAPS_LOCK : 0) |
			 ((mods & KEYMOD_NUM_LOCK) ? LED_NUM_LOCK : 0) |
			 ((mods & KEYMOD_SCROLL_LOCK) ? LED_SCROLL_LOCK : 0));
}

static inline __attribute__((always_inline)) void deliver(struct keyboard *kb,
							  const struct key_event *ev)
{
	kb->stats.keys++;
	if (!kb->has_client) {
		kb->stats.no_client++;
		return;
	}
	kb->client.key(kb->client.ctx, ev);
}

static void request_reset(struct keyboard *kb)
{
	kb->stats.resets++;
	if (!kb->has_reset) {
		log_warn("keyboard: Ctrl-Alt-Del, but this board gave the keyboard no reset hook");
		return;
	}
	log_info("keyboard: Ctrl-Alt-Del: resetting the machine");
	deferred_call_set(&kb->reset_call);
}

static void reset_from_loop(void *ctx)
{
	struct keyboard *kb = ctx;

	kb->reset.reset(kb->reset.hw);
}

/*
 * A sign that bytes were lost (see keyboard.h): whatever was held may have
 * been released meanwhile, with its release among the lost bytes, so the
 * held keys and modifiers are dropped. A key still held then counts as up
 * until it is pressed again: a modifier dropped wrongly comes back with
 * its next press, while one kept wrongly would shift every key typed
 * after it for good. The lock keys are toggles, not held keys: kept.
 */
static void lost_bytes(struct keyboard *kb, const char *sign)
{
	kb->stats.loss_signs++;
	uint16_t held = kb->modifiers & (uint16_t)~KEYMOD_LOCKS;
	bool any_down = held != 0;

	for (unsigned k = 0; k < KEY_COUNT && !any_down; k++)
		any_down = kb->pressed_as[k] != KEY_NONE;
	if (!any_down)
		return;
	kb->stats.resyncs++;
	memset(kb->pressed_as, 0, sizeof(kb->pressed_as));
	kb->modifiers &= KEYMOD_LOCKS;
	if (kb->stats.resyncs == 1)
		log_warn("keyboard: bytes were lost (%s): held keys and modifiers dropped "
			 "(counted; further ones not logged)",
			 sign);
}

/* Pause has no release code: report a press and a release at once. */
static void on_pause(struct keyboard *kb, const uint8_t *bytes, uint8_t n)
{
	struct key_event ev = { .code = KEY_PAUSE, .pressed = true, .modifiers = kb->modifiers };

	record(kb, bytes, n, KEYBOARD_ENTRY_KEY, 0, &ev);
	deliver(kb, &ev);
	ev.pressed = false;
	deliver(kb, &ev);
}

/* Keys whose press needs more than "it is down, here is its character":
 * modifiers and locks (they change kb->modifiers), keypad keys (Num Lock
 * decides what they are), Pause (no release code) and Delete
 * (Ctrl-Alt-Del). Every other key takes on_key()'s fast path. */
static const bool key_is_special[KEY_COUNT] = {
	[KEY_LEFT_SHIFT] = true,
	[KEY_RIGHT_SHIFT] = true,
	[KEY_LEFT_CTRL] = true,
	[KEY_RIGHT_CTRL] = true,
	[KEY_LEFT_ALT] = true,
	[KEY_RIGHT_ALT] = true,
	[KEY_LEFT_GUI] = true,
	[KEY_RIGHT_GUI] = true,
	[KEY_CAPS_LOCK] = true,
	[KEY_NUM_LOCK] = true,
	[KEY_SCROLL_LOCK] = true,
	[KEY_KP_7... KEY_KP_9] = true,
	[KEY_KP_4... KEY_KP_6] = true,
	[KEY_KP_1... KEY_KP_DOT] = true,
	[KEY_PAUSE] = true,
	[KEY_DELETE] = true,
};

/* Every key event but a plain key pressed afresh (on_key()). */
__attribute__((noinline)) static void on_key_general(struct keyboard *kb, enum key_code raw,
						     bool pressed, const uint8_t *bytes, uint8_t n)
{
	if (raw == KEY_PAUSE) {
		on_pause(kb, bytes, n);
		return;
	}
	bool was_down = kb->pressed_as[raw] != KEY_NONE;
	enum key_code code = was_down ? (enum key_code)kb->pressed_as[raw] : reported_code(kb, raw);
	struct key_event ev = { .code = code, .pressed = pressed, .repeat = pressed && was_down };

	if (pressed) {
		kb->pressed_as[raw] = (uint8_t)code;
		kb->modifiers |= modifier_bit(code);
		if (!was_down && lock_bit(code)) {
			kb->modifiers ^= lock_bit(code);
			keyboard_leds_set(&kb->leds, led_mask(kb->modifiers));
		}
		ev.ascii = typed_char(kb, raw);
	} else if (!was_down) {
		/* Its press was lost: a sign of lost bytes (lost_bytes()). */
		kb->stats.orphan_releases++;
		kb->modifiers &= (uint16_t)~modifier_bit(code);
		lost_bytes(kb, "a release of a key that was not down");
	} else {
		kb->pressed_as[raw] = KEY_NONE;
		kb->modifiers &= (uint16_t)~modifier_bit(code);
	}
	ev.modifiers = kb->modifiers;

	if (pressed && code == KEY_DELETE && (kb->modifiers & KEYMOD_CTRL) &&
	    (kb->modifiers & KEYMOD_ALT)) {
		/* The machine's key, not the client's: it never sees it. */
		record(kb, bytes, n, KEYBOARD_ENTRY_KEY, 0, &ev);
		request_reset(kb);
		return;
	}
	deliver(kb, &ev);
	/* The `keys` history after the delivery: it is for looking back, so
	 * it is not on the key's way to its client (keystroke_instructions). */
	record(kb, bytes, n, KEYBOARD_ENTRY_KEY, 0, &ev);
}

/* The usual key: a key that is not special, pressed afresh. Its event is
 * what on_key_general() would make of it (reported_code() and the modifier
 * and lock bits leave such a key alone), built without walking through the
 * cases that do not apply. Inline into the byte loop, so the keystroke
 * pays no call and no second stack frame for it. */
static inline __attribute__((always_inline)) void
on_key(struct keyboard *kb, enum key_code raw, bool pressed, const uint8_t *bytes, uint8_t n)
{
	if (pressed && (unsigned)raw < KEY_COUNT && !key_is_special[raw] &&
	    kb->pressed_as[raw] == KEY_NONE) {
		kb->pressed_as[raw] = (uint8_t)raw;
		struct key_event ev = { .code = raw,
					.pressed = true,
					.modifiers = kb->modifiers,
					.ascii = typed_char(kb, raw) };
		deliver(kb, &ev);
		record(kb, bytes, n, KEYBOARD_ENTRY_KEY, 0, &ev);
		return;
	}
	on_key_general(kb, raw, pressed, bytes, n);
}

/* --- bytes -------------------------------------------------------------- */

static void decode(struct keyboard *kb, uint8_t byte)
{
	struct set1_result r;

	do {
		set1_feed(&kb->decoder, byte, &r);
		switch (r.outcome) {
		case SET1_MORE:
			break;
		case SET1_KEY:
			on_key(kb, r.code, r.pressed, r.seq, r.seq_len);
			break;
		case SET1_IGNORED:
			record(kb, r.seq, r.seq_len, KEYBOARD_ENTRY_IGNORED, 0, NULL);
			break;
		case SET1_UNKNOWN:
			anomaly(kb, KEYBOARD_UNKNOWN, r.seq, r.seq_len, -1);
			break;
		case SET1_UNKNOWN_E0:
			anomaly(kb, KEYBOARD_UNKNOWN_E0, r.seq, r.seq_len, -1);
			break;
		case SET1_BROKEN_E0:
			anomaly(kb, KEYBOARD_BROKEN_E0, r.seq, r.seq_len, byte);
			lost_bytes(kb, "a broken e0 sequence");
			break;
		case SET1_BROKEN_E1:
			anomaly(kb, KEYBOARD_BROKEN_E1, r.seq, r.seq_len, byte);
			lost_bytes(kb, "a broken e1 sequence");
			break;
		}
	} while (r.feed_again);
}

/* 00/ff: the keyboard lost keys. Whatever sequence was under way is gone
 * too, so the decoder starts over. */
static void on_error_byte(struct keyboard *kb, uint8_t byte)
{
	uint8_t bytes[SET1_SEQ_MAX + 1];
	uint8_t n = set1_partial(&kb->decoder, bytes);

	if (n) {
		kb->stats.sequence_errors++;
		set1_reset(&kb->decoder);
	}
	if (n == SET1_SEQ_MAX)
		n--; /* keep the error byte itself in the record */
	bytes[n++] = byte;
	anomaly(kb, KEYBOARD_KEY_ERROR, bytes, n, -1);
	lost_bytes(kb, "the keyboard's overrun code");
}

static void on_byte(struct keyboard *kb, uint8_t byte)
{
	kb->stats.bytes++;
	if (keyboard_leds_byte(&kb->leds, byte)) {
		record(kb, &byte, 1, KEYBOARD_ENTRY_REPLY, 0, NULL);
		return;
	}
	/* Most bytes are a whole key: no call, no result to go through. The
	 * reply and error bytes below (fa, fe, 00, ff) are no key's code, so
	 * they never take this way. */
	enum key_code plain = set1_plain_key(&kb->decoder, byte);
	if (plain != KEY_NONE) {
		on_key(kb, plain, !(byte & 0x80), &byte, 1);
		return;
	}
	/* Replies are never part of a scancode sequence: leave the decoder's
	 * state alone, a key under way may still complete. */
	if (byte == LEDS_REPLY_ACK) {
		anomaly(kb, KEYBOARD_STRAY_ACK, &byte, 1, -1);
		return;
	}
	if (byte == LEDS_REPLY_RESEND) {
		anomaly(kb, KEYBOARD_STRAY_RESEND, &byte, 1, -1);
		return;
	}
	if (byte == BYTE_ERROR_LOW || byte == BYTE_ERROR_HIGH) {
		on_error_byte(kb, byte);
		return;
	}
	decode(kb, byte);
}

static void received(void *ctx, const uint8_t *bytes, size_t n)
{
	struct keyboard *kb = ctx;

	for (size_t i = 0; i < n; i++)
		on_byte(kb, bytes[i]);
}

/* --- the capsule's interface -------------------------------------------- */

void keyboard_init(struct keyboard *kb, const struct hil_ps2 *ps2, const struct keymap *keymap,
		   const struct hil_reset *reset)
{
	memset(kb, 0, sizeof(*kb));
	kb->stats.losses_uncounted = true; /* see struct keyboard_stats */
	kb->ps2 = *ps2;
	kb->keymap = keymap;
	if (reset) {
		kb->reset = *reset;
		kb->has_reset = true;
	}
	set1_reset(&kb->decoder);
	keyboard_leds_init(&kb->leds, ps2);
	deferred_call_init(&kb->reset_call, "keyboard reset");
	deferred_call_register(&kb->reset_call, "keyboard", reset_from_loop, kb);
	kb->ps2_client = (struct hil_ps2_client){ .ctx = kb, .received = received };
	kb->ps2.set_client(kb->ps2.hw, &kb->ps2_client);
}

void keyboard_set_client(struct keyboard *kb, const struct keyboard_client *client)
{
	kb->client = *client;
	kb->has_client = client->key != NULL;
}

void keyboard_start(struct keyboard *kb)
{
	keyboard_leds_set(&kb->leds, led_mask(kb->modifiers));
}

void keyboard_service(void *ctx)
{
	struct keyboard *kb = ctx;

	kb->ps2.service(kb->ps2.hw);
}

void keyboard_get_stats(const struct keyboard *kb, struct keyboard_stats *out)
{
	*out = kb->stats;
	out->leds = kb->leds.stats;
}

uint16_t keyboard_modifiers(const struct keyboard *kb)
{
	return kb->modifiers;
}
