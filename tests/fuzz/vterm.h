/*
 * A one-line terminal for checking the line editor's output: the oracle
 * of tests/fuzz/fuzz_ansi.c and fuzz_line_editor.c.
 *
 * line_editor.c promises that "the screen and the buffer never differ":
 * after every key, what its output leaves on the terminal is the prompt
 * and the line, with the cursor where the editor's cursor is. This
 * terminal applies the output the way a serial terminal and the VGA
 * console do (printable characters overwrite and advance, '\b' moves
 * left, '\n' starts a fresh row, '\r' returns to column 0) on one
 * unbounded row (no wrapping), and then compares.
 */
#ifndef KNOCK_TEST_VTERM_H
#define KNOCK_TEST_VTERM_H

#include <stddef.h>

#include "capsules/line_editor.h"

#define VTERM_COLUMNS 1024

struct vterm {
	char row[VTERM_COLUMNS];
	size_t col;
	size_t width; /* columns written on this row */
};

void vterm_init(struct vterm *t);

/* Apply output. Fails the input (FUZZ_CHECK) on a byte the editor must
 * never send, or '\b' at column 0. */
void vterm_write(struct vterm *t, const char *s, size_t n);

/* Fails the input unless the row shows the editor's prompt and line, then
 * only blanks, with the cursor at the editor's cursor. */
void vterm_check(const struct vterm *t, const struct line_editor *le);

#endif
