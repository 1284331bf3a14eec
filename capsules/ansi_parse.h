/*
 * ANSI/VT input parser for the serial console: bytes from a terminal in,
 * line-editor key events (capsules/line_editor.h) out. Pure: one byte at a
 * time, no I/O, so garbage on the line can be fuzzed and unit-tested.
 *
 * Understood:
 *   printable ASCII              a character
 *   CR, LF, CR LF                Enter (CR LF is ONE Enter, not two)
 *   DEL 0x7f, BS 0x08            Backspace (terminals send either)
 *   Ctrl-C 0x03, Ctrl-U 0x15     cancel line, delete to start of line
 *   Ctrl-A 0x01, Ctrl-E 0x05     Home, End (emacs/readline habit)
 *   ESC [ A B C D                Up Down Right Left (parameters such as the
 *                                modifier in ESC [ 1 ; 5 C are accepted and
 *                                ignored)
 *   ESC [ H, ESC [ F             Home, End
 *   ESC [ 1~ 7~ / 4~ 8~ / 3~     Home / End / Delete
 *   ESC O A B C D H F            the same keys in application mode (SS3)
 *   NUL 0x00                     LINE_KEY_CHAR with ch 0: the line editor
 *                                drops it between lines (padding) and
 *                                refuses a line with one inside (never
 *                                silently joins the tokens around it)
 *
 * Anything else is dropped without producing an event: a well-formed
 * sequence for a key the editor has no use for (ESC [ 5 ~, PgUp) is
 * counted as unsupported, a malformed one (ESC x, a CSI with a bad byte,
 * too many or too large parameters, or longer than ANSI_MAX_SEQUENCE) as
 * malformed, other control and non-ASCII bytes as ignored. A malformed CSI
 * is skipped up to its final byte (any of 0x40-0x7e), as terminals do, so
 * its tail never turns into typed text. A control byte inside a sequence
 * ends it (malformed) and is then taken on its own, so Enter always works;
 * ESC inside a sequence starts a new one; CAN and SUB just cancel it. The
 * parser is never stuck: only bytes 0x20-0x3f keep a sequence going.
 */
#ifndef KNOCK_CAPSULES_ANSI_PARSE_H
#define KNOCK_CAPSULES_ANSI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/line_editor.h"

#define ANSI_MAX_PARAMS 4
#define ANSI_MAX_SEQUENCE 32
#define ANSI_PARAM_MAX 9999

enum ansi_state {
	ANSI_GROUND,
	ANSI_ESCAPE,     /* after ESC */
	ANSI_CSI,        /* after ESC [ */
	ANSI_CSI_IGNORE, /* a bad CSI: skip to its final byte */
	ANSI_SS3,        /* after ESC O */
};

struct ansi_stats {
	uint64_t events;      /* key events produced */
	uint64_t malformed;   /* sequences dropped as malformed */
	uint64_t unsupported; /* well-formed sequences for keys we do not use */
	uint64_t ignored;     /* stray control or non-ASCII bytes */
};

struct ansi_parser {
	enum ansi_state state;
	bool after_cr;       /* the last byte was CR: a LF now completes CR LF */
	bool private_marker; /* CSI with '<' '=' '>' '?': not a key */
	unsigned length;     /* bytes of the current sequence */
	unsigned nparams;
	unsigned params[ANSI_MAX_PARAMS];
	struct ansi_stats stats;
};

void ansi_parser_init(struct ansi_parser *p);

/* Feed one byte; returns true and fills *out when it completes a key. */
bool ansi_parse_byte(struct ansi_parser *p, uint8_t byte, struct line_input *out);

#endif
