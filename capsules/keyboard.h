/*
 * keyboard: the capsule that turns bytes from a PS/2 keyboard into key
 * events for one client (the console's line editor).
 *
 * It owns the PS/2 port (kernel/hil/ps2.h): the board gives it the port's
 * interrupt bit, keyboard_service() drains the port from the loop, and the
 * bytes go through
 *   - the LED exchange (fa/fe replies, capsules/keyboard_leds.h),
 *   - the set 1 decoder (capsules/scancode_set1.h),
 *   - modifiers and lock keys, the layout (capsules/keymap.h),
 * to the client's key() callback, called from that same service.
 *
 * Ctrl-Alt-Del asks for a reset; the reset hook (kernel/hil/reset.h) runs
 * from a deferred call, never inside the decoder.
 *
 * Bad input is counted per kind and logged once per kind; the decoder
 * always recovers, so the next good key is decoded correctly.
 */
#ifndef KNOCK_CAPSULES_KEYBOARD_H
#define KNOCK_CAPSULES_KEYBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/keyboard_leds.h"
#include "capsules/keycode.h"
#include "capsules/keymap.h"
#include "capsules/scancode_set1.h"
#include "kernel/deferred.h"
#include "kernel/hil/ps2.h"
#include "kernel/hil/reset.h"

/* Modifier and lock bits of key_event.modifiers. */
#define KEYMOD_LEFT_SHIFT 0x0001
#define KEYMOD_RIGHT_SHIFT 0x0002
#define KEYMOD_LEFT_CTRL 0x0004
#define KEYMOD_RIGHT_CTRL 0x0008
#define KEYMOD_LEFT_ALT 0x0010
#define KEYMOD_RIGHT_ALT 0x0020
#define KEYMOD_LEFT_GUI 0x0040
#define KEYMOD_RIGHT_GUI 0x0080
#define KEYMOD_CAPS_LOCK 0x0100
#define KEYMOD_NUM_LOCK 0x0200
#define KEYMOD_SCROLL_LOCK 0x0400
#define KEYMOD_SHIFT (KEYMOD_LEFT_SHIFT | KEYMOD_RIGHT_SHIFT)
#define KEYMOD_CTRL (KEYMOD_LEFT_CTRL | KEYMOD_RIGHT_CTRL)
#define KEYMOD_ALT (KEYMOD_LEFT_ALT | KEYMOD_RIGHT_ALT)
#define KEYMOD_GUI (KEYMOD_LEFT_GUI | KEYMOD_RIGHT_GUI)
#define KEYMOD_LOCKS (KEYMOD_CAPS_LOCK | KEYMOD_NUM_LOCK | KEYMOD_SCROLL_LOCK)

/* Control characters the line editor cares about (key_event.ascii). */
#define KEY_ASCII_CTRL_C 0x03
#define KEY_ASCII_CTRL_U 0x15

struct key_event {
	/* Which key. Keypad keys with Num Lock off (or Shift with it on)
	 * arrive as the navigation key they stand for (KEY_HOME, KEY_LEFT...),
	 * so a client handles arrows in one place. */
	enum key_code code;
	bool pressed;       /* false: released */
	bool repeat;        /* pressed again without a release (typematic) */
	uint16_t modifiers; /* KEYMOD_* after this key took effect */
	/* The character typed, 0 if none: presses only. Enter is '\n',
	 * Backspace '\b', Tab '\t', Esc 0x1b, Ctrl-C 0x03. Delete and the
	 * arrows have none: use `code`. */
	uint8_t ascii;
};

struct keyboard_client {
	void *ctx;
	void (*key)(void *ctx, const struct key_event *ev);
};

/* Kinds of bad input, each counted and logged once. */
#define KEYBOARD_ANOMALIES(X)                                \
	X(UNKNOWN, "unknown scancode")                       \
	X(UNKNOWN_E0, "unknown scancode")                    \
	X(BROKEN_E0, "e0 prefix followed by another prefix") \
	X(BROKEN_E1, "broken pause sequence")                \
	X(STRAY_ACK, "ack nobody waited for")                \
	X(STRAY_RESEND, "resend request nobody waited for")  \
	X(KEY_ERROR, "keyboard reports an error or overrun")

enum keyboard_anomaly {
#define KEYBOARD_ANOMALY_ENUM(id, text) KEYBOARD_##id,
	KEYBOARD_ANOMALIES(KEYBOARD_ANOMALY_ENUM)
#undef KEYBOARD_ANOMALY_ENUM
	KEYBOARD_ANOMALY_COUNT
};

const char *keyboard_anomaly_name(enum keyboard_anomaly a);

/* What became of a sequence of bytes, for the `keys` ring. */
enum keyboard_entry_kind {
	KEYBOARD_ENTRY_KEY,     /* decoded; `key` holds the event */
	KEYBOARD_ENTRY_IGNORED, /* a fake shift around another key */
	KEYBOARD_ENTRY_REPLY,   /* fa/fe for the LED exchange */
	KEYBOARD_ENTRY_ANOMALY, /* bad input; `anomaly` says which kind */
};

#define KEYBOARD_RECENT_MAX 32

struct keyboard_recent_entry {
	uint8_t bytes[SET1_SEQ_MAX];
	uint8_t n_bytes;
	enum keyboard_entry_kind kind;
	enum keyboard_anomaly anomaly;
	struct key_event key;
};

struct keyboard_stats {
	uint64_t bytes;           /* every byte the port handed over */
	uint64_t keys;            /* key events (presses, repeats, releases) */
	uint64_t unknown;         /* unknown scancodes, plain or after e0 */
	uint64_t sequence_errors; /* broken e0/e1 sequences, sequences cut by an error byte */
	uint64_t anomalies[KEYBOARD_ANOMALY_COUNT];
	uint64_t no_client; /* key events with no client to take them */
	uint64_t resets;    /* Ctrl-Alt-Del seen */
	/* Lost bytes. Some losses show in what arrives: an error byte (00/ff,
	 * the keyboard's own overrun), a broken e0/e1 sequence, a release of
	 * a key that was not down (its press was lost). Each such sign drops
	 * the key state (docs/interrupts.md, "Lost keyboard bytes"): */
	uint64_t loss_signs;      /* signs of lost bytes seen (each one below) */
	uint64_t orphan_releases; /* releases of keys that were not down */
	uint64_t resyncs;         /* times held keys and modifiers were dropped */
	/* Always true for a PS/2 keyboard: bytes can be lost before knock
	 * sees them (in the keyboard, or in the controller's or an emulator's
	 * queue: QEMU's holds 16) without any sign, so the number of bytes
	 * lost is unknown, never 0. The stats table shows the keyboard's
	 * dropped count as unknown when this is set. */
	bool losses_uncounted;
	struct keyboard_leds_stats leds;
};

struct keyboard {
	struct hil_ps2 ps2;
	struct hil_ps2_client ps2_client;
	const struct keymap *keymap;
	struct hil_reset reset;
	bool has_reset;
	struct keyboard_client client;
	bool has_client;
	struct deferred_call reset_call;
	struct set1_decoder decoder;
	struct keyboard_leds leds;
	uint16_t modifiers;
	/* 0 if the key is up, else the code its press was reported as, so the
	 * release matches the press even if Num Lock changed in between. */
	uint8_t pressed_as[KEY_COUNT];
	struct keyboard_recent_entry recent[KEYBOARD_RECENT_MAX];
	unsigned recent_next;
	unsigned recent_count;
	uint32_t anomalies_logged; /* one bit per keyboard_anomaly */
	struct keyboard_stats stats;
};

/*
 * Takes the port (becomes its client) and declares the deferred call for
 * resets. `reset` may be NULL: Ctrl-Alt-Del is then only logged. The lock
 * keys start off.
 */
void keyboard_init(struct keyboard *kb, const struct hil_ps2 *ps2, const struct keymap *keymap,
		   const struct hil_reset *reset);
void keyboard_set_client(struct keyboard *kb, const struct keyboard_client *client);
/* Set the keyboard's LEDs to the lock state (all off after init). */
void keyboard_start(struct keyboard *kb);
/* The loop client of the port's interrupt bit: drain the port. */
void keyboard_service(void *kb);

/* Copy out up to `max` recent entries, oldest first; returns how many. */
size_t keyboard_recent(const struct keyboard *kb, struct keyboard_recent_entry *out, size_t max);
/* One line for the shell: "e0 4b        Left down". Returns its length
 * (snprintf contract). */
int keyboard_describe(const struct keyboard_recent_entry *e, char *buf, size_t size);
void keyboard_get_stats(const struct keyboard *kb, struct keyboard_stats *out);
uint16_t keyboard_modifiers(const struct keyboard *kb);

#endif
