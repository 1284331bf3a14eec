/*
 * Fuzz the serial console's input path: the ANSI/VT parser
 * (capsules/ansi_parse.c) feeding the line editor (capsules/line_editor.c),
 * as capsules/console.c wires them, with the editor's output applied to a
 * terminal (tests/fuzz/vterm.h) that must always show the prompt and the
 * line being edited.
 *
 * Input: the bytes a terminal (or line noise) sends.
 *
 * Also checked, from ansi_parse.h: printable ASCII outside a sequence is
 * that character; the parser is never stuck (any byte outside 0x20-0x3f
 * ends a sequence, except the ESC, '[' and 'O' that start one); a CSI never
 * grows past ANSI_MAX_SEQUENCE bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capsules/ansi_parse.h"
#include "capsules/line_editor.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/vterm.h"

#define ESC 0x1b
#define PROMPT "knock> "

static struct ansi_parser parser;
static struct line_editor editor;
static struct vterm term;

static bool keeps_sequence(enum ansi_state before, uint8_t b)
{
	if (b >= 0x20 && b <= 0x3f)
		return true;
	return b == ESC || (before == ANSI_ESCAPE && (b == '[' || b == 'O'));
}

static void check_parser(enum ansi_state before, uint8_t b, bool got, const struct line_input *in)
{
	if (before == ANSI_GROUND && b >= 0x20 && b <= 0x7e)
		FUZZ_CHECK(got && in->key == LINE_KEY_CHAR && in->ch == (char)b);
	if (!keeps_sequence(before, b))
		FUZZ_CHECK(parser.state == ANSI_GROUND);
	if (parser.state == ANSI_CSI)
		FUZZ_CHECK(parser.length < ANSI_MAX_SEQUENCE);
	FUZZ_CHECK(parser.nparams <= ANSI_MAX_PARAMS);
}

static void begin(void)
{
	line_editor_begin(&editor, PROMPT);
	vterm_write(&term, editor.out, editor.out_len);
}

static void key(struct line_input in)
{
	char taken[LINE_MAX_CHARS + 1];
	enum line_result r = line_editor_key(&editor, in);

	FUZZ_CHECK(editor.out_len <= sizeof(editor.out) && editor.stats.output_overflow == 0);
	vterm_write(&term, editor.out, editor.out_len);
	if (r == LINE_DONE) {
		size_t n = line_editor_take_line(&editor, taken, sizeof(taken));
		FUZZ_CHECK(n == editor.len && strlen(taken) == n);
		begin();
	}
	if (!editor.overflowed)
		vterm_check(&term, &editor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_input in;

	ansi_parser_init(&parser);
	line_editor_init(&editor);
	vterm_init(&term);
	begin();
	for (size_t i = 0; i < size; i++) {
		enum ansi_state before = parser.state;
		bool got = ansi_parse_byte(&parser, data[i], &in);
		check_parser(before, data[i], got, &in);
		if (got)
			key(in);
	}
	return 0;
}
