/*
 * Line editor (see line_editor.h). Every edit changes the buffer first and
 * then emits exactly what a terminal needs to show the new state, starting
 * from the cursor's old column, so the screen and the buffer never differ.
 */
#include "capsules/line_editor.h"
#include "kernel/string.h"

static const char too_long_message[] = "line too long (max 128 characters); discarded";
static const char nul_message[] = "NUL byte (0x00) inside the line; discarded";

_Static_assert(LINE_MAX_CHARS == 128, "too_long_message names the limit");

static void emit(struct line_editor *le, const char *s, size_t n)
{
	size_t room = sizeof(le->out) - le->out_len;
	if (n > room) {
		le->stats.output_overflow += n - room;
		n = room;
	}
	memcpy(le->out + le->out_len, s, n);
	le->out_len += n;
}

static void emit_str(struct line_editor *le, const char *s)
{
	emit(le, s, strlen(s));
}

static void emit_repeat(struct line_editor *le, char c, size_t n)
{
	while (n--)
		emit(le, &c, 1);
}

static void reset_line(struct line_editor *le)
{
	le->len = le->cursor = 0;
	le->overflowed = false;
	le->browse = -1;
}

void line_editor_init(struct line_editor *le)
{
	memset(le, 0, sizeof(*le));
	le->browse = -1;
}

void line_editor_begin(struct line_editor *le, const char *prompt)
{
	size_t n = strnlen(prompt, LINE_PROMPT_MAX);

	le->out_len = 0;
	memcpy(le->prompt, prompt, n);
	le->prompt[n] = '\0';
	reset_line(le);
	le->active = true;
	emit_str(le, le->prompt);
}

void line_editor_redraw(struct line_editor *le)
{
	le->out_len = 0;
	/* While swallowing a refused line there is nothing to show. */
	if (!le->active || le->overflowed)
		return;
	emit_str(le, le->prompt);
	emit(le, le->line, le->len);
	emit_repeat(le, '\b', le->len - le->cursor);
}

const char *line_editor_history(const struct line_editor *le, unsigned age, size_t *len)
{
	if (age >= le->history_count)
		return NULL;
	unsigned slot = (le->history_newest + LINE_HISTORY - age) % LINE_HISTORY;
	*len = le->history_len[slot];
	return le->history[slot];
}

/* Empty lines and a repeat of the newest entry are not worth a slot. */
static void history_add(struct line_editor *le)
{
	size_t newest_len;
	const char *newest = line_editor_history(le, 0, &newest_len);

	if (le->len == 0 || (newest && newest_len == le->len && !memcmp(newest, le->line, le->len)))
		return;
	unsigned slot = le->history_count ? (le->history_newest + 1) % LINE_HISTORY : 0;
	memcpy(le->history[slot], le->line, le->len);
	le->history_len[slot] = le->len;
	le->history_newest = slot;
	if (le->history_count < LINE_HISTORY)
		le->history_count++;
}

/* Show `text` instead of the current line; the cursor ends after it. */
static void replace_line(struct line_editor *le, const char *text, size_t n)
{
	size_t old_len = le->len;

	emit_repeat(le, '\b', le->cursor);
	memmove(le->line, text, n);
	le->len = le->cursor = n;
	emit(le, le->line, n);
	if (old_len > n) {
		emit_repeat(le, ' ', old_len - n);
		emit_repeat(le, '\b', old_len - n);
	}
}

/* Re-print from the cursor to the end, blank `erased` cells left over by a
 * shorter line, and walk back to the cursor. */
static void redraw_tail(struct line_editor *le, size_t erased)
{
	size_t tail = le->len - le->cursor;

	emit(le, le->line + le->cursor, tail);
	emit_repeat(le, ' ', erased);
	emit_repeat(le, '\b', tail + erased);
}

/* Refuse the line being typed: say why, and swallow everything up to the
 * next Enter (or Ctrl-C), which then gives a fresh prompt. */
static void refuse_line(struct line_editor *le, const char *why)
{
	le->overflowed = true;
	emit_str(le, "\n");
	emit_str(le, why);
	emit_str(le, "\n");
}

/* A NUL byte (LINE_KEY_CHAR with ch 0; see line_editor.h). Before the
 * line's first character it is padding, as a terminal takes it, and is
 * dropped; inside a line it would join the pieces around it into a token
 * nobody typed ("alarm 1<NUL>00" is not "alarm 100"), so the line is
 * refused. */
static void nul_byte(struct line_editor *le)
{
	if (le->len == 0) {
		le->stats.nul_padding++;
		return;
	}
	le->stats.nul_refused++;
	refuse_line(le, nul_message);
}

static void insert_char(struct line_editor *le, char c)
{
	if (c == '\0') {
		nul_byte(le);
		return;
	}
	if (c < 0x20 || c > 0x7e) {
		le->stats.refused_chars++;
		return;
	}
	if (le->len == LINE_MAX_CHARS) {
		le->stats.too_long++;
		refuse_line(le, too_long_message);
		return;
	}
	memmove(le->line + le->cursor + 1, le->line + le->cursor, le->len - le->cursor);
	le->line[le->cursor] = c;
	le->len++;
	emit(le, &c, 1);
	le->cursor++;
	redraw_tail(le, 0);
}

static void delete_at_cursor(struct line_editor *le)
{
	memmove(le->line + le->cursor, le->line + le->cursor + 1, le->len - le->cursor - 1);
	le->len--;
	redraw_tail(le, 1);
}

static void kill_to_start(struct line_editor *le)
{
	size_t killed = le->cursor;

	emit_repeat(le, '\b', killed);
	memmove(le->line, le->line + killed, le->len - killed);
	le->len -= killed;
	le->cursor = 0;
	redraw_tail(le, killed);
}

static void history_step(struct line_editor *le, int direction)
{
	int target = le->browse + direction;
	size_t n = 0;
	const char *text;

	if (target < -1 || target >= (int)le->history_count)
		return;
	if (le->browse == -1) {
		memcpy(le->saved, le->line, le->len);
		le->saved_len = le->len;
	}
	le->browse = target;
	if (target == -1) {
		text = le->saved;
		n = le->saved_len;
	} else {
		text = line_editor_history(le, (unsigned)target, &n);
	}
	replace_line(le, text, n);
}

static enum line_result finish_line(struct line_editor *le)
{
	emit_str(le, "\n");
	if (le->overflowed) {
		/* Already refused with a message when it overflowed. */
		reset_line(le);
		emit_str(le, le->prompt);
		return LINE_CONTINUE;
	}
	history_add(le);
	le->stats.lines++;
	le->active = false;
	le->browse = -1;
	return LINE_DONE;
}

/* Every key but a character typed at the end of the line. */
static enum line_result edit_key(struct line_editor *le, struct line_input in);

enum line_result line_editor_key(struct line_editor *le, struct line_input in)
{
	le->out_len = 0;
	if (!le->active)
		return LINE_INACTIVE;
	/* Typing a character at the end of the line, the usual key: the
	 * echo is the character itself, with no tail to re-print and walk
	 * back. Decided here, before edit_key() and its stack frame, so that
	 * it costs a few compares (keystroke_instructions). */
	if (in.key == LINE_KEY_CHAR && le->cursor == le->len && le->len < LINE_MAX_CHARS &&
	    !le->overflowed && in.ch >= 0x20 && in.ch <= 0x7e) {
		le->line[le->len++] = in.ch;
		le->cursor = le->len;
		le->out[0] = in.ch;
		le->out_len = 1;
		return LINE_CONTINUE;
	}
	return edit_key(le, in);
}

__attribute__((noinline)) static enum line_result edit_key(struct line_editor *le,
							   struct line_input in)
{
	if (in.key == LINE_KEY_ENTER)
		return finish_line(le);
	if (in.key == LINE_KEY_CANCEL) {
		le->stats.cancelled++;
		reset_line(le);
		emit_str(le, "^C\n");
		emit_str(le, le->prompt);
		return LINE_CONTINUE;
	}
	if (le->overflowed)
		return LINE_CONTINUE;

	switch (in.key) {
	case LINE_KEY_CHAR:
		insert_char(le, in.ch);
		break;
	case LINE_KEY_BACKSPACE:
		if (le->cursor > 0) {
			emit_str(le, "\b");
			le->cursor--;
			delete_at_cursor(le);
		}
		break;
	case LINE_KEY_DELETE:
		if (le->cursor < le->len)
			delete_at_cursor(le);
		break;
	case LINE_KEY_LEFT:
		if (le->cursor > 0) {
			emit_str(le, "\b");
			le->cursor--;
		}
		break;
	case LINE_KEY_RIGHT:
		if (le->cursor < le->len) {
			emit(le, &le->line[le->cursor], 1);
			le->cursor++;
		}
		break;
	case LINE_KEY_HOME:
		emit_repeat(le, '\b', le->cursor);
		le->cursor = 0;
		break;
	case LINE_KEY_END:
		emit(le, le->line + le->cursor, le->len - le->cursor);
		le->cursor = le->len;
		break;
	case LINE_KEY_UP:
		history_step(le, +1);
		break;
	case LINE_KEY_DOWN:
		history_step(le, -1);
		break;
	case LINE_KEY_KILL:
		kill_to_start(le);
		break;
	case LINE_KEY_ENTER:
	case LINE_KEY_CANCEL:
		break; /* handled above */
	}
	return LINE_CONTINUE;
}

size_t line_editor_take_line(const struct line_editor *le, char *buf, size_t cap)
{
	size_t n = le->len < cap ? le->len : cap;

	memcpy(buf, le->line, n);
	if (n < cap)
		buf[n] = '\0';
	return n;
}
