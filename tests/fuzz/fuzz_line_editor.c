/*
 * Fuzz the line editor (capsules/line_editor.c) with key events straight
 * from the input, so every key (history, kill, delete, long lines) is one
 * byte away, and check after each one that a terminal applying its output
 * (tests/fuzz/vterm.h) shows exactly the prompt and the line, the cursor
 * in its place.
 *
 * Input: a list of operations, one byte each (low four bits), some
 * followed by an argument byte:
 *   0-11  that enum line_key; LINE_KEY_CHAR takes the character next
 *   12    redraw, after the console took the line off the screen
 *   13    take the line into a buffer of the next byte's size
 *   14, 15  begin a line (when none is being read) with a prompt of
 *         next-byte characters (up to 63, cut to LINE_PROMPT_MAX)
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capsules/line_editor.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/vterm.h"

#define OP_REDRAW 12
#define OP_TAKE 13
#define OP_BEGIN 14

static struct line_editor editor;
static struct vterm term;

/* Reads the argument byte at *at, or 0 past the end. */
static uint8_t arg(const uint8_t *data, size_t size, size_t *at)
{
	return *at < size ? data[(*at)++] : 0;
}

static void begin(const uint8_t *data, size_t size, size_t *at)
{
	char prompt[64];
	size_t n = arg(data, size, at) % sizeof(prompt);

	for (size_t i = 0; i < n; i++)
		prompt[i] = (char)(0x20 + arg(data, size, at) % 95); /* printable */
	prompt[n] = '\0';
	line_editor_begin(&editor, prompt);
	FUZZ_CHECK(strlen(editor.prompt) == (n < LINE_PROMPT_MAX ? n : LINE_PROMPT_MAX));
	vterm_write(&term, editor.out, editor.out_len);
}

static void take(size_t cap)
{
	char buf[256];
	size_t n = line_editor_take_line(&editor, buf, cap);

	FUZZ_CHECK(n <= cap && n <= editor.len);
	FUZZ_CHECK(memcmp(buf, editor.line, n) == 0);
	if (n < cap)
		FUZZ_CHECK(buf[n] == '\0');
}

static void key(struct line_input in)
{
	bool was_active = editor.active;
	enum line_result r = line_editor_key(&editor, in);

	FUZZ_CHECK(editor.stats.output_overflow == 0);
	FUZZ_CHECK(was_active ? r != LINE_INACTIVE : (r == LINE_INACTIVE && editor.out_len == 0));
	vterm_write(&term, editor.out, editor.out_len);
	if (r == LINE_DONE) {
		size_t len;
		const char *newest = line_editor_history(&editor, 0, &len);
		FUZZ_CHECK(!editor.active);
		if (editor.len)
			FUZZ_CHECK(newest && len == editor.len &&
				   !memcmp(newest, editor.line, len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	line_editor_init(&editor);
	vterm_init(&term);
	line_editor_begin(&editor, "knock> ");
	vterm_write(&term, editor.out, editor.out_len);

	for (size_t at = 0; at < size;) {
		uint8_t op = data[at++] & 0x0f;
		if (op <= LINE_KEY_CANCEL) {
			struct line_input in = { .key = (enum line_key)op };
			if (in.key == LINE_KEY_CHAR)
				in.ch = (char)arg(data, size, &at);
			key(in);
		} else if (op == OP_REDRAW) {
			vterm_write(&term, "\n", 1);
			line_editor_redraw(&editor);
			vterm_write(&term, editor.out, editor.out_len);
		} else if (op == OP_TAKE) {
			take(arg(data, size, &at));
		} else if (!editor.active) {
			begin(data, size, &at);
		}
		if (editor.active && !editor.overflowed)
			vterm_check(&term, &editor);
	}
	return 0;
}
