/*
 * A text screen (kernel/hil/text_screen.h) for unit tests: everything the
 * console writes to it, kept as one NUL-terminated string, so tests can
 * assert on what the user would have seen.
 */
#ifndef KNOCK_TEST_FAKE_SCREEN_H
#define KNOCK_TEST_FAKE_SCREEN_H

#include <stddef.h>

#include "kernel/hil/text_screen.h"

extern char fake_screen_text[1 << 16];
extern size_t fake_screen_len;
extern const struct hil_text_screen fake_screen;

/* Forget what was shown. */
void fake_screen_clear(void);

/* A shell command's answer, from a screen cleared before `line` was
 * typed: what follows the echoed line and its newline, without `prompt`,
 * which must end the text (a failed check fails the test). */
const char *fake_screen_answer(const char *line, const char *prompt);

#endif
