/*
 * A keyboard layout: which character each key types, without and with
 * Shift. A layout is data only, so another layout is one more file like
 * capsules/keymap_us.c.
 *
 * Rules the keyboard capsule applies on top (the same for every layout):
 * - 0 means "no character" (F1, arrows, modifiers...).
 * - shifted[] 0 falls back to plain[] (keypad keys, Enter, Space...).
 * - Caps Lock swaps plain and shifted for keys whose plain character is a
 *   letter 'a'..'z'.
 * - Keypad digits and '.' type only with Num Lock on (Shift inverts it);
 *   otherwise they are navigation keys and type nothing.
 * - Ctrl turns letters and @[\]^_ into control characters (Ctrl-C = 0x03).
 */
#ifndef KNOCK_CAPSULES_KEYMAP_H
#define KNOCK_CAPSULES_KEYMAP_H

#include <stdint.h>

#include "capsules/keycode.h"

struct keymap {
	const char *name;
	uint8_t plain[KEY_COUNT];
	uint8_t shifted[KEY_COUNT];
};

extern const struct keymap keymap_us;

#endif
