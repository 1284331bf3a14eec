/*
 * Line editor: turns key events into one edited line plus the output that
 * shows the editing (echo, cursor moves). Pure: no I/O, no loop, no clock,
 * so the host tests drive it key by key and compare the output byte for byte.
 *
 * Input is a small key event (struct line_input): the console makes these
 * from keyboard events and from the serial line (capsules/ansi_parse.h), so
 * both feed the same editor.
 *
 * Output is written into le->out after every call (begin, key, redraw) and
 * is valid until the next call; "\n" means newline (the console turns it
 * into "\r\n" for the serial line). Cursor moves use only '\b', spaces and
 * re-printed characters, which both a serial terminal and the VGA text
 * screen understand. (A line longer than the screen is wide wraps, and '\b'
 * does not go back across a wrap on either: the prompt plus 128 characters
 * fits twice into 80 columns, so this only shows on very long lines.)
 *
 * Keys: printable ASCII, Enter, Backspace, Delete, Left/Right, Home/End,
 * Ctrl-U (delete from the start of the line to the cursor, as in bash),
 * Ctrl-C (cancel the line: "^C" and a fresh prompt), Up/Down (history of
 * the last LINE_HISTORY lines; Down past the newest returns the line that
 * was being typed).
 *
 * Over-long lines: the first character beyond LINE_MAX_CHARS makes the
 * editor print "line too long (max 128 characters); discarded" and swallow
 * everything up to the next Enter (or Ctrl-C), which then gives a fresh
 * prompt. The line is never cut short and run, and the rest of a pasted
 * long line never runs as a command of its own.
 *
 * NUL bytes (LINE_KEY_CHAR with ch 0, from the serial line): a terminal
 * treats NUL as padding (ECMA-48 time-fill), and padding between lines is
 * harmless, so a NUL before the line's first character is dropped
 * (stats.nul_padding). Inside a line, dropping it would silently join the
 * tokens around it ("alarm 1<NUL>00" would run "alarm 100"), so the line is
 * refused like an over-long one: "NUL byte (0x00) inside the line;
 * discarded", the rest up to Enter swallowed, then a fresh prompt
 * (stats.nul_refused).
 */
#ifndef KNOCK_CAPSULES_LINE_EDITOR_H
#define KNOCK_CAPSULES_LINE_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_MAX_CHARS 128
#define LINE_HISTORY 16
#define LINE_PROMPT_MAX 31
#define LINE_EDITOR_OUT_MAX 1024

/* What the keyboard and the serial parser hand to the editor. */
enum line_key {
	LINE_KEY_CHAR, /* a character in .ch (printable ASCII is accepted) */
	LINE_KEY_ENTER,
	LINE_KEY_BACKSPACE, /* delete left of the cursor */
	LINE_KEY_DELETE,    /* delete under the cursor */
	LINE_KEY_LEFT,
	LINE_KEY_RIGHT,
	LINE_KEY_HOME,
	LINE_KEY_END,
	LINE_KEY_UP,     /* older history line */
	LINE_KEY_DOWN,   /* newer history line */
	LINE_KEY_KILL,   /* Ctrl-U */
	LINE_KEY_CANCEL, /* Ctrl-C */
};

struct line_input {
	enum line_key key;
	/* Only for LINE_KEY_CHAR: printable ASCII, or 0 for a NUL byte from
	 * the serial line (see "NUL bytes" above). */
	char ch;
};

enum line_result {
	LINE_INACTIVE, /* no line is being read (before begin, after DONE) */
	LINE_CONTINUE, /* keep feeding keys */
	LINE_DONE,     /* a complete line: line_editor_take_line() */
};

struct line_editor_stats {
	uint64_t lines;           /* lines completed with Enter */
	uint64_t cancelled;       /* Ctrl-C */
	uint64_t too_long;        /* lines refused for being too long */
	uint64_t refused_chars;   /* non-printable LINE_KEY_CHARs (other than NUL) */
	uint64_t nul_padding;     /* NULs before a line's first character: dropped */
	uint64_t nul_refused;     /* lines refused for a NUL inside them */
	uint64_t output_overflow; /* output bytes that did not fit le->out (a bug) */
};

struct line_editor {
	bool active;
	bool overflowed; /* swallowing the rest of a refused (too long, NUL) line */
	char prompt[LINE_PROMPT_MAX + 1];
	char line[LINE_MAX_CHARS];
	size_t len, cursor;

	/* History ring; entry 0 is the newest. browse is -1 while editing the
	 * new line, else the index of the entry shown; `saved` keeps the new
	 * line while browsing. */
	char history[LINE_HISTORY][LINE_MAX_CHARS];
	size_t history_len[LINE_HISTORY];
	unsigned history_count, history_newest;
	int browse;
	char saved[LINE_MAX_CHARS];
	size_t saved_len;

	char out[LINE_EDITOR_OUT_MAX];
	size_t out_len;

	struct line_editor_stats stats;
};

void line_editor_init(struct line_editor *le);

/* Start reading a line: output is the prompt (cut to LINE_PROMPT_MAX). */
void line_editor_begin(struct line_editor *le, const char *prompt);

enum line_result line_editor_key(struct line_editor *le, struct line_input in);

/* After LINE_DONE: copy the line (not NUL-terminated when it fills `cap`;
 * NUL-terminated otherwise) and return its length. */
size_t line_editor_take_line(const struct line_editor *le, char *buf, size_t cap);

/* Output the prompt and the line again with the cursor where it was, e.g.
 * after a message was printed over it. No output when inactive or while
 * swallowing the rest of a too-long line. */
void line_editor_redraw(struct line_editor *le);

/* The history entry `age` lines back (0 = newest), or NULL. */
const char *line_editor_history(const struct line_editor *le, unsigned age, size_t *len);

#endif
