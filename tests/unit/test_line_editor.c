/*
 * capsules/line_editor.c: every key's effect on the line AND on the screen.
 *
 * The screen is checked with a tiny terminal model (printable characters,
 * '\b' and '\n' on one line of cells): after every key, what the model
 * shows must be exactly prompt + line, with its cursor at the editor's
 * cursor. A random test drives long key sequences against a reference
 * string model, so a wrong redraw anywhere shows up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/line_editor.h"

#define PROMPT "knock> "

/* --- a one-line terminal model ---------------------------------------- */

struct term {
	char cells[512];
	size_t col;
	unsigned newlines;
	char all[8192]; /* everything the editor printed, for messages */
	size_t all_len;
};

static struct term term;
static struct line_editor le;

static void term_apply(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		/* Only short tests compare `all`; long ones just stop recording. */
		if (term.all_len + 1 < sizeof(term.all)) {
			term.all[term.all_len++] = c;
			term.all[term.all_len] = '\0';
		}
		if (c == '\n') {
			memset(term.cells, 0, sizeof(term.cells));
			term.col = 0;
			term.newlines++;
		} else if (c == '\b') {
			assert_true(term.col > 0); /* never '\b' past the line start */
			term.col--;
		} else {
			assert_true(c >= 0x20 && c <= 0x7e);
			assert_true(term.col < sizeof(term.cells) - 1);
			term.cells[term.col++] = c;
		}
	}
}

/* The visible line without trailing blanks. */
static const char *term_text(void)
{
	static char text[512];
	size_t n = strnlen(term.cells, sizeof(term.cells) - 1);
	memcpy(text, term.cells, n);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\0'))
		n--;
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	return text;
}

static enum line_result key(enum line_key k)
{
	enum line_result r = line_editor_key(&le, (struct line_input){ .key = k });
	term_apply(le.out, le.out_len);
	return r;
}

static enum line_result ch(char c)
{
	enum line_result r =
		line_editor_key(&le, (struct line_input){ .key = LINE_KEY_CHAR, .ch = c });
	term_apply(le.out, le.out_len);
	return r;
}

static void type(const char *s)
{
	while (*s)
		assert_int_equal(ch(*s++), LINE_CONTINUE);
}

static void begin(void)
{
	line_editor_begin(&le, PROMPT);
	term_apply(le.out, le.out_len);
}

/* The screen shows prompt + line and the cursor sits where the editor's is. */
static void check_screen(void)
{
	char expect[600];
	snprintf(expect, sizeof(expect), "%s%.*s", PROMPT, (int)le.len, le.line);
	size_t n = strlen(expect);
	while (n > 0 && expect[n - 1] == ' ')
		n--;
	expect[n] = '\0';
	assert_string_equal(term_text(), expect);
	assert_int_equal(term.col, strlen(PROMPT) + le.cursor);
}

static void check_line(const char *expect)
{
	assert_int_equal(le.len, strlen(expect));
	assert_memory_equal(le.line, expect, le.len);
	check_screen();
}

static int setup(void **state)
{
	(void)state;
	memset(&term, 0, sizeof(term));
	line_editor_init(&le);
	return 0;
}

static void enter_line(const char *s)
{
	type(s);
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	begin();
}

/* --- tests ------------------------------------------------------------ */

static void test_begin_prints_prompt_and_keys_before_it_do_nothing(void **state)
{
	(void)state;
	assert_int_equal(line_editor_key(&le,
					 (struct line_input){ .key = LINE_KEY_CHAR, .ch = 'x' }),
			 LINE_INACTIVE);
	assert_int_equal(le.out_len, 0);
	begin();
	assert_string_equal(term.all, PROMPT);
	check_line("");
}

static void test_typing_and_enter_give_the_line(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	type("help me");
	check_line("help me");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	assert_string_equal(term.all, PROMPT "help me\n");
	assert_int_equal(line_editor_take_line(&le, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "help me");
	assert_int_equal(le.stats.lines, 1);
	/* Done means inactive until the next begin. */
	assert_int_equal(ch('x'), LINE_INACTIVE);
	assert_int_equal(le.out_len, 0);
}

static void test_empty_line_is_a_line(void **state)
{
	(void)state;
	char buf[4] = "zzz";
	begin();
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	assert_int_equal(line_editor_take_line(&le, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_cursor_moves_and_insert_in_the_middle(void **state)
{
	(void)state;
	begin();
	type("helo");
	key(LINE_KEY_LEFT);
	check_line("helo");
	assert_int_equal(le.cursor, 3);
	ch('l');
	check_line("hello");
	assert_int_equal(le.cursor, 4);
	key(LINE_KEY_HOME);
	assert_int_equal(le.cursor, 0);
	check_screen();
	ch('>');
	check_line(">hello");
	key(LINE_KEY_END);
	assert_int_equal(le.cursor, 6);
	check_screen();
	/* Moves past either end do nothing and print nothing. */
	assert_int_equal(key(LINE_KEY_RIGHT), LINE_CONTINUE);
	assert_int_equal(le.out_len, 0);
	key(LINE_KEY_HOME);
	key(LINE_KEY_LEFT);
	assert_int_equal(le.out_len, 0);
	assert_int_equal(le.cursor, 0);
	key(LINE_KEY_RIGHT);
	assert_int_equal(le.cursor, 1);
	check_screen();
}

static void test_backspace_and_delete(void **state)
{
	(void)state;
	begin();
	type("abcdef");
	key(LINE_KEY_BACKSPACE);
	check_line("abcde");
	key(LINE_KEY_LEFT);
	key(LINE_KEY_LEFT);
	key(LINE_KEY_BACKSPACE); /* removes 'c' */
	check_line("abde");
	assert_int_equal(le.cursor, 2);
	key(LINE_KEY_DELETE); /* removes 'd' */
	check_line("abe");
	assert_int_equal(le.cursor, 2);
	key(LINE_KEY_END);
	assert_int_equal(key(LINE_KEY_DELETE), LINE_CONTINUE); /* nothing under the cursor */
	assert_int_equal(le.out_len, 0);
	key(LINE_KEY_HOME);
	key(LINE_KEY_BACKSPACE); /* nothing left of the cursor */
	assert_int_equal(le.out_len, 0);
	check_line("abe");
}

static void test_ctrl_u_deletes_to_the_start(void **state)
{
	(void)state;
	begin();
	type("echo hello");
	for (int i = 0; i < 5; i++)
		key(LINE_KEY_LEFT);
	key(LINE_KEY_KILL);
	check_line("hello");
	assert_int_equal(le.cursor, 0);
	key(LINE_KEY_END);
	key(LINE_KEY_KILL);
	check_line("");
}

static void test_ctrl_c_cancels_the_line(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	type("reboot");
	assert_int_equal(key(LINE_KEY_CANCEL), LINE_CONTINUE);
	assert_string_equal(term.all, PROMPT "reboot^C\n" PROMPT);
	check_line("");
	assert_int_equal(le.stats.cancelled, 1);
	type("version");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	line_editor_take_line(&le, buf, sizeof(buf));
	assert_string_equal(buf, "version");
}

static void test_history_up_down(void **state)
{
	(void)state;
	begin();
	enter_line("one");
	enter_line("two");
	enter_line("three");
	type("par");
	key(LINE_KEY_UP);
	check_line("three");
	key(LINE_KEY_UP);
	check_line("two");
	key(LINE_KEY_UP);
	check_line("one");
	/* No older entry: stays, prints nothing. */
	key(LINE_KEY_UP);
	assert_int_equal(le.out_len, 0);
	check_line("one");
	key(LINE_KEY_DOWN);
	check_line("two");
	key(LINE_KEY_DOWN);
	key(LINE_KEY_DOWN);
	/* Past the newest: the line that was being typed comes back. */
	check_line("par");
	key(LINE_KEY_DOWN);
	assert_int_equal(le.out_len, 0);
	check_line("par");
}

static void test_history_recall_can_be_edited_and_run(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	enter_line("alarm 100");
	key(LINE_KEY_UP);
	type("0");
	check_line("alarm 1000");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	line_editor_take_line(&le, buf, sizeof(buf));
	assert_string_equal(buf, "alarm 1000");
	size_t n;
	const char *h = line_editor_history(&le, 1, &n);
	assert_non_null(h);
	assert_memory_equal(h, "alarm 100", n); /* the old entry is unchanged */
	assert_int_equal(n, 9);
}

static void test_history_keeps_16_and_skips_empty_and_repeats(void **state)
{
	(void)state;
	char line[16];
	size_t n;
	begin();
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "cmd%d", i);
		enter_line(line);
	}
	enter_line("cmd19"); /* a repeat of the newest */
	enter_line("");      /* empty */
	assert_int_equal(le.history_count, LINE_HISTORY);
	assert_true(LINE_HISTORY >= 16);
	for (int age = 0; age < LINE_HISTORY; age++) {
		snprintf(line, sizeof(line), "cmd%d", 19 - age);
		const char *h = line_editor_history(&le, (unsigned)age, &n);
		assert_non_null(h);
		assert_int_equal(n, strlen(line));
		assert_memory_equal(h, line, n);
	}
	assert_null(line_editor_history(&le, LINE_HISTORY, &n));
	/* Up 16 times reaches the oldest kept; a 17th does nothing. */
	for (int i = 0; i < LINE_HISTORY; i++)
		key(LINE_KEY_UP);
	check_line("cmd4");
	key(LINE_KEY_UP);
	check_line("cmd4");
}

static void test_longer_history_entry_then_shorter_is_erased_on_screen(void **state)
{
	(void)state;
	begin();
	enter_line("a");
	enter_line("a much longer command");
	key(LINE_KEY_UP);
	check_line("a much longer command");
	key(LINE_KEY_UP);
	check_line("a"); /* the model would show leftovers if not blanked */
}

static void test_line_of_max_length_is_accepted(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	char want[LINE_MAX_CHARS + 1];
	begin();
	for (int i = 0; i < LINE_MAX_CHARS; i++)
		want[i] = (char)('a' + i % 26);
	want[LINE_MAX_CHARS] = '\0';
	type(want);
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	assert_int_equal(line_editor_take_line(&le, buf, sizeof(buf)), LINE_MAX_CHARS);
	assert_string_equal(buf, want);
	assert_int_equal(le.stats.too_long, 0);
}

static void test_too_long_line_is_refused_with_a_message(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	for (int i = 0; i < LINE_MAX_CHARS; i++)
		ch('x');
	term.all_len = 0;
	term.all[0] = '\0';
	ch('y');
	assert_string_equal(term.all, "\nline too long (max 128 characters); discarded\n");
	assert_int_equal(le.stats.too_long, 1);
	/* The rest of the line is swallowed silently, keys included. */
	type("rest of a pasted line");
	key(LINE_KEY_LEFT);
	key(LINE_KEY_UP);
	assert_string_equal(term.all, "\nline too long (max 128 characters); discarded\n");
	/* Its Enter runs nothing and gives a fresh prompt. */
	assert_int_equal(key(LINE_KEY_ENTER), LINE_CONTINUE);
	assert_string_equal(term.all, "\nline too long (max 128 characters); discarded\n\n" PROMPT);
	assert_int_equal(le.stats.lines, 0);
	check_line("");
	type("version");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	line_editor_take_line(&le, buf, sizeof(buf));
	assert_string_equal(buf, "version");
	/* The refused line is not in the history. */
	size_t n;
	assert_null(line_editor_history(&le, 1, &n));
}

static void test_ctrl_c_also_ends_a_refused_line(void **state)
{
	(void)state;
	begin();
	for (int i = 0; i <= LINE_MAX_CHARS; i++)
		ch('x');
	key(LINE_KEY_CANCEL);
	type("ok");
	check_line("ok");
}

static void test_control_characters_are_refused(void **state)
{
	(void)state;
	begin();
	type("a");
	ch('\t');
	ch('\x1b');
	ch((char)0xe9);
	assert_int_equal(le.out_len, 0);
	check_line("a");
	assert_int_equal(le.stats.refused_chars, 3);
}

static void test_nul_before_the_line_is_padding(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	ch('\0');
	ch('\0');
	assert_int_equal(le.out_len, 0);
	type("version");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	line_editor_take_line(&le, buf, sizeof(buf));
	assert_string_equal(buf, "version");
	assert_int_equal(le.stats.nul_padding, 2);
	assert_int_equal(le.stats.nul_refused, 0);
}

/* "alarm 1<NUL>00" must not run as "alarm 100", nor as anything else. */
static void test_nul_inside_a_line_refuses_it(void **state)
{
	(void)state;
	char buf[LINE_MAX_CHARS + 1];
	begin();
	type("alarm 1");
	term.all_len = 0;
	term.all[0] = '\0';
	ch('\0');
	assert_string_equal(term.all, "\nNUL byte (0x00) inside the line; discarded\n");
	assert_int_equal(le.stats.nul_refused, 1);
	/* The rest is swallowed; its Enter runs nothing, a fresh prompt comes. */
	type("00");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_CONTINUE);
	assert_string_equal(term.all, "\nNUL byte (0x00) inside the line; discarded\n\n" PROMPT);
	assert_int_equal(le.stats.lines, 0);
	check_line("");
	/* A NUL at the end of a line refuses it too. */
	type("echo x");
	ch('\0');
	assert_int_equal(key(LINE_KEY_ENTER), LINE_CONTINUE);
	assert_int_equal(le.stats.nul_refused, 2);
	type("uptime");
	assert_int_equal(key(LINE_KEY_ENTER), LINE_DONE);
	line_editor_take_line(&le, buf, sizeof(buf));
	assert_string_equal(buf, "uptime");
	assert_int_equal(le.stats.refused_chars, 0);
}

/* The append fast path echoes just the character; an insert elsewhere
 * still redraws the tail (both checked against the terminal model). */
static void test_append_echoes_only_the_character(void **state)
{
	(void)state;
	begin();
	type("ab");
	assert_int_equal(le.out_len, 1);
	assert_int_equal(le.out[0], 'b');
	key(LINE_KEY_LEFT);
	ch('x');
	assert_true(le.out_len > 1);
	check_line("axb");
	key(LINE_KEY_END);
	ch('c');
	assert_int_equal(le.out_len, 1);
	check_line("axbc");
}

static void test_redraw_restores_prompt_line_and_cursor(void **state)
{
	(void)state;
	begin();
	type("uptime");
	key(LINE_KEY_LEFT);
	key(LINE_KEY_LEFT);
	term_apply("\n", 1); /* someone printed a message */
	line_editor_redraw(&le);
	term_apply(le.out, le.out_len);
	check_line("uptime");
	assert_int_equal(le.cursor, 4);
	key(LINE_KEY_ENTER);
	line_editor_redraw(&le);
	assert_int_equal(le.out_len, 0); /* inactive: nothing to redraw */
}

static void test_long_prompt_is_cut(void **state)
{
	(void)state;
	char prompt[64];
	memset(prompt, 'p', sizeof(prompt) - 1);
	prompt[63] = '\0';
	line_editor_begin(&le, prompt);
	assert_int_equal(le.out_len, LINE_PROMPT_MAX);
	assert_int_equal(strlen(le.prompt), LINE_PROMPT_MAX);
}

/* A reference model: random keys, the editor must match a plain string
 * edited the obvious way, and the screen must match after every key. */
static void test_random_edits_match_a_reference(void **state)
{
	(void)state;
	char ref[LINE_MAX_CHARS + 1] = "";
	size_t len = 0, cur = 0;
	srand(4242);
	begin();
	for (int step = 0; step < 20000; step++) {
		int r = rand() % 10;
		if (r < 4 && len < LINE_MAX_CHARS) {
			char c = (char)(' ' + rand() % 95);
			memmove(ref + cur + 1, ref + cur, len - cur);
			ref[cur++] = c;
			len++;
			ch(c);
		} else if (r == 4) {
			if (cur > 0) {
				memmove(ref + cur - 1, ref + cur, len - cur);
				cur--;
				len--;
			}
			key(LINE_KEY_BACKSPACE);
		} else if (r == 5) {
			if (cur < len) {
				memmove(ref + cur, ref + cur + 1, len - cur - 1);
				len--;
			}
			key(LINE_KEY_DELETE);
		} else if (r == 6) {
			cur -= cur > 0;
			key(LINE_KEY_LEFT);
		} else if (r == 7) {
			cur += cur < len;
			key(LINE_KEY_RIGHT);
		} else if (r == 8) {
			if (rand() % 2) {
				cur = 0;
				key(LINE_KEY_HOME);
			} else {
				cur = len;
				key(LINE_KEY_END);
			}
		} else if (rand() % 8 == 0) {
			memmove(ref, ref + cur, len - cur);
			len -= cur;
			cur = 0;
			key(LINE_KEY_KILL);
		}
		ref[len] = '\0';
		assert_int_equal(le.len, len);
		assert_int_equal(le.cursor, cur);
		assert_memory_equal(le.line, ref, len);
		check_screen();
	}
	assert_int_equal(le.stats.output_overflow, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_begin_prints_prompt_and_keys_before_it_do_nothing,
				       setup),
		cmocka_unit_test_setup(test_typing_and_enter_give_the_line, setup),
		cmocka_unit_test_setup(test_empty_line_is_a_line, setup),
		cmocka_unit_test_setup(test_cursor_moves_and_insert_in_the_middle, setup),
		cmocka_unit_test_setup(test_backspace_and_delete, setup),
		cmocka_unit_test_setup(test_ctrl_u_deletes_to_the_start, setup),
		cmocka_unit_test_setup(test_ctrl_c_cancels_the_line, setup),
		cmocka_unit_test_setup(test_history_up_down, setup),
		cmocka_unit_test_setup(test_history_recall_can_be_edited_and_run, setup),
		cmocka_unit_test_setup(test_history_keeps_16_and_skips_empty_and_repeats, setup),
		cmocka_unit_test_setup(test_longer_history_entry_then_shorter_is_erased_on_screen,
				       setup),
		cmocka_unit_test_setup(test_line_of_max_length_is_accepted, setup),
		cmocka_unit_test_setup(test_too_long_line_is_refused_with_a_message, setup),
		cmocka_unit_test_setup(test_nul_before_the_line_is_padding, setup),
		cmocka_unit_test_setup(test_nul_inside_a_line_refuses_it, setup),
		cmocka_unit_test_setup(test_append_echoes_only_the_character, setup),
		cmocka_unit_test_setup(test_ctrl_c_also_ends_a_refused_line, setup),
		cmocka_unit_test_setup(test_control_characters_are_refused, setup),
		cmocka_unit_test_setup(test_redraw_restores_prompt_line_and_cursor, setup),
		cmocka_unit_test_setup(test_long_prompt_is_cut, setup),
		cmocka_unit_test_setup(test_random_edits_match_a_reference, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
