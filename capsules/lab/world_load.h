/*
 * world_load: the bake-off's seeded load as the outside world sends it
 * (chips/x86_64/lab/world.h plays it from NMIs): the keys of
 * `echo` lines typed into the shell, and a stream of serial bytes ending
 * in a terminator. Everything comes from xorshift32 generators with fixed
 * seeds, so the load is the same in every run and for every design;
 * tools/bakeoff.py computes the same lines (world_lines()) to check the
 * shell's answers.
 *
 * Keys are set-1 scancodes (what the i8042 hands the guest after its
 * translation; bytes written with the controller's command 0xD2 are not
 * translated). Lines are "echo " and 3 to 6 words of 2 to 7 characters
 * from WORLD_ALPHABET, then Enter, cut to make exactly `keys` keys.
 */
#ifndef KNOCK_CAPSULES_LAB_WORLD_LOAD_H
#define KNOCK_CAPSULES_LAB_WORLD_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORLD_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789"
#define WORLD_TEXT_SEED 2026u
#define WORLD_SERIAL_SEED 5u

struct world_load {
	/* keys */
	uint32_t text_x;
	char line[64];
	size_t line_len, line_pos;
	uint64_t keys_left;
	/* serial */
	uint32_t serial_x;
	uint64_t data_left;
	const char *terminator;
	size_t term_pos;
	uint64_t data_sent;
	uint32_t data_crc; /* CRC-32 of the data bytes sent (not the terminator) */
};

void world_load_init(struct world_load *w, uint64_t keys, uint64_t serial_bytes,
		     const char *terminator);

/* The next key's character ('\n' for Enter), or 0 when no keys are left. */
char world_load_next_char(struct world_load *w);
/* Set-1 make code of a character of the load (0 if it has none). */
uint8_t world_scancode(char c);

/* Send the terminator again (after the data and the terminator are out:
 * the sink lost some of it). */
void world_load_resend_terminator(struct world_load *w);

/* For struct world_source. */
bool world_load_next_key(void *ctx, uint8_t *make, uint8_t *brk);
bool world_load_next_serial(void *ctx, uint8_t *byte);

#endif
