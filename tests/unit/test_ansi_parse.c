/*
 * capsules/ansi_parse.c: every key sequence the serial console knows, the
 * line endings (CR LF is one Enter), and recovery from garbage: malformed
 * sequences produce no key and the next good input parses normally.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/ansi_parse.h"

static struct ansi_parser p;
static struct line_input events[256];
static size_t nevents;

static int setup(void **state)
{
	(void)state;
	ansi_parser_init(&p);
	nevents = 0;
	return 0;
}

static void feed_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct line_input ev;
		memset(&ev, 0xaa, sizeof(ev));
		if (ansi_parse_byte(&p, (uint8_t)s[i], &ev)) {
			assert_true(nevents < 256);
			events[nevents++] = ev;
		}
	}
}

static void feed(const char *s)
{
	feed_n(s, strlen(s));
}

/* Feed `s` from a fresh parser and expect exactly one key event. */
static void expect_one_key(const char *s, enum line_key k)
{
	setup(NULL);
	feed(s);
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, k);
}

static void expect_chars(const char *s)
{
	size_t n = strlen(s);
	assert_int_equal(nevents, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(events[i].key, LINE_KEY_CHAR);
		assert_int_equal(events[i].ch, s[i]);
	}
}

static void test_printable_ascii_are_characters(void **state)
{
	(void)state;
	char all[96];
	for (int i = 0; i < 95; i++)
		all[i] = (char)(0x20 + i);
	all[95] = '\0';
	feed(all);
	expect_chars(all);
	assert_int_equal(p.stats.events, 95);
}

static void test_line_endings(void **state)
{
	(void)state;
	expect_one_key("\r", LINE_KEY_ENTER);
	expect_one_key("\n", LINE_KEY_ENTER);
	expect_one_key("\r\n", LINE_KEY_ENTER); /* ONE Enter, not two */
	setup(NULL);
	feed("a\r\nb\nc\r\r\n\n");
	/* a Enter b Enter c Enter Enter Enter: CR, CR LF, then a lone LF */
	enum line_key want[] = { LINE_KEY_CHAR, LINE_KEY_ENTER, LINE_KEY_CHAR,  LINE_KEY_ENTER,
				 LINE_KEY_CHAR, LINE_KEY_ENTER, LINE_KEY_ENTER, LINE_KEY_ENTER };
	assert_int_equal(nevents, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(events[i].key, want[i]);
	/* LF CR is two line ends. */
	setup(NULL);
	feed("\n\r");
	assert_int_equal(nevents, 2);
}

static void test_lf_after_cr_split_across_calls_is_still_one_enter(void **state)
{
	(void)state;
	feed("x\r");
	feed("\n");
	assert_int_equal(nevents, 2);
	assert_int_equal(events[1].key, LINE_KEY_ENTER);
}

static void test_backspace_del_and_control_keys(void **state)
{
	(void)state;
	expect_one_key("\x7f", LINE_KEY_BACKSPACE);
	expect_one_key("\b", LINE_KEY_BACKSPACE);
	expect_one_key("\x03", LINE_KEY_CANCEL);
	expect_one_key("\x15", LINE_KEY_KILL);
	expect_one_key("\x01", LINE_KEY_HOME);
	expect_one_key("\x05", LINE_KEY_END);
}

static void test_csi_cursor_keys(void **state)
{
	(void)state;
	expect_one_key("\x1b[A", LINE_KEY_UP);
	expect_one_key("\x1b[B", LINE_KEY_DOWN);
	expect_one_key("\x1b[C", LINE_KEY_RIGHT);
	expect_one_key("\x1b[D", LINE_KEY_LEFT);
	expect_one_key("\x1b[H", LINE_KEY_HOME);
	expect_one_key("\x1b[F", LINE_KEY_END);
	/* xterm's modifiers: Ctrl-Right is still Right to the editor. */
	expect_one_key("\x1b[1;5C", LINE_KEY_RIGHT);
}

static void test_ss3_keys(void **state)
{
	(void)state;
	expect_one_key("\x1bOA", LINE_KEY_UP);
	expect_one_key("\x1bOB", LINE_KEY_DOWN);
	expect_one_key("\x1bOC", LINE_KEY_RIGHT);
	expect_one_key("\x1bOD", LINE_KEY_LEFT);
	expect_one_key("\x1bOH", LINE_KEY_HOME);
	expect_one_key("\x1bOF", LINE_KEY_END);
}

static void test_vt220_tilde_keys(void **state)
{
	(void)state;
	expect_one_key("\x1b[1~", LINE_KEY_HOME);
	expect_one_key("\x1b[7~", LINE_KEY_HOME);
	expect_one_key("\x1b[4~", LINE_KEY_END);
	expect_one_key("\x1b[8~", LINE_KEY_END);
	expect_one_key("\x1b[3~", LINE_KEY_DELETE);
	expect_one_key("\x1b[3;2~", LINE_KEY_DELETE); /* Shift-Delete */
}

static void test_known_but_unused_sequences_give_nothing(void **state)
{
	(void)state;
	feed("\x1b[5~\x1b[6~\x1b[2~\x1b[15~\x1bOP\x1b[?1h\x1b[Z\x1b[~");
	assert_int_equal(nevents, 0);
	assert_int_equal(p.stats.unsupported, 8);
	assert_int_equal(p.stats.malformed, 0);
	feed("ok");
	expect_chars("ok");
}

static void test_malformed_sequences_are_dropped_and_parser_recovers(void **state)
{
	(void)state;
	static const char *const garbage[] = {
		"\x1bx",           /* ESC + a random letter */
		"\x1b[1:2A",       /* sub-parameters */
		"\x1b[1;2;3;4;5A", /* too many parameters */
		"\x1b[99999A",     /* parameter too large */
		"\x1b[1?A",        /* marker in the middle */
		"\x1b[ A",         /* intermediate byte */
		"\x1bO1",          /* SS3 with a non-final */
		"\x1b[1\x18",      /* CAN cancels */
		"\x1b[1\x1a",      /* SUB cancels */
		"\x1b[\xc3",       /* non-ASCII inside */
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		setup(NULL);
		feed(garbage[i]);
		assert_int_equal(nevents, 0);
		assert_true(p.stats.malformed >= 1);
		assert_int_equal(p.state, ANSI_GROUND);
		feed("ab\x1b[D");
		assert_int_equal(nevents, 3);
		assert_int_equal(events[0].ch, 'a');
		assert_int_equal(events[1].ch, 'b');
		assert_int_equal(events[2].key, LINE_KEY_LEFT);
	}
}

static void test_esc_inside_a_sequence_starts_a_new_one(void **state)
{
	(void)state;
	feed("\x1b[1\x1b[A");
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, LINE_KEY_UP);
	assert_int_equal(p.stats.malformed, 1);
	setup(NULL);
	feed("\x1b\x1bOB");
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, LINE_KEY_DOWN);
}

static void test_enter_inside_a_sequence_still_ends_the_line(void **state)
{
	(void)state;
	feed("\x1b[12\r\n");
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, LINE_KEY_ENTER);
	assert_int_equal(p.stats.malformed, 1);
	setup(NULL);
	feed("\x1b\x7f");
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, LINE_KEY_BACKSPACE);
}

static void test_overlong_sequence_is_skipped_to_its_final_byte(void **state)
{
	(void)state;
	char seq[64] = "\x1b[";
	for (int i = 2; i < 60; i++)
		seq[i] = ';';
	seq[60] = '\0';
	feed(seq);
	assert_int_equal(nevents, 0);
	assert_int_equal(p.stats.malformed, 1);
	/* Its tail never becomes text; its final byte ends it. */
	feed("12;34");
	assert_int_equal(nevents, 0);
	feed("Az");
	expect_chars("z");
	assert_int_equal(p.state, ANSI_GROUND);
	assert_int_equal(p.stats.malformed, 1);
}

static void test_sequence_at_the_length_limit(void **state)
{
	(void)state;
	/* ESC [ + 29 parameter bytes + final = 32 bytes: still a key. */
	char seq[40] = "\x1b[1;";
	memset(seq + 4, '0', 27);
	strcpy(seq + 31, "C");
	assert_int_equal(strlen(seq), ANSI_MAX_SEQUENCE);
	feed(seq);
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].key, LINE_KEY_RIGHT);
	/* One byte more is malformed. */
	setup(NULL);
	char longer[40] = "\x1b[1;";
	memset(longer + 4, '0', 28);
	strcpy(longer + 32, "C");
	feed(longer);
	assert_int_equal(nevents, 0);
	assert_int_equal(p.stats.malformed, 1);
}

static void test_stray_bytes_are_ignored_and_counted(void **state)
{
	(void)state;
	feed_n("\x02\t\x80\xff"
	       "a",
	       5);
	expect_chars("a");
	assert_int_equal(p.stats.ignored, 4);
}

/* Random bytes: whatever comes, the parser ends up in ground state after a
 * CAN, every event is a valid key, and good input afterwards parses. */
static void test_random_garbage_never_breaks_the_parser(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 2000; round++) {
		for (int i = 0; i < 50; i++) {
			struct line_input ev;
			if (ansi_parse_byte(&p, (uint8_t)rand(), &ev)) {
				assert_true(ev.key <= LINE_KEY_CANCEL);
				if (ev.key == LINE_KEY_CHAR) /* NUL is passed on as 0 */
					assert_true(ev.ch == 0 || (ev.ch >= 0x20 && ev.ch <= 0x7e));
			}
		}
		nevents = 0;
		feed("\x18"
		     "q\x1b[C");
		assert_int_equal(nevents, 2);
		assert_int_equal(events[0].ch, 'q');
		assert_int_equal(events[1].key, LINE_KEY_RIGHT);
	}
}

/* NUL is passed on (a character 0) for the line editor to judge, never
 * dropped here: dropping it joined "1" and "00" into "100". Inside a
 * sequence it ends it, like any control byte, and is then passed on. */
static void test_nul_is_passed_on_not_dropped(void **state)
{
	(void)state;
	feed_n("1\0"
	       "00",
	       4);
	assert_int_equal(nevents, 4);
	assert_int_equal(events[1].key, LINE_KEY_CHAR);
	assert_int_equal(events[1].ch, 0);
	assert_int_equal(events[2].ch, '0');
	assert_int_equal(p.stats.ignored, 0);
	setup(NULL);
	feed_n("\x1b[\0C", 4);
	assert_int_equal(nevents, 2);
	assert_int_equal(events[0].key, LINE_KEY_CHAR);
	assert_int_equal(events[0].ch, 0);
	assert_int_equal(events[1].ch, 'C');
	assert_int_equal(p.stats.malformed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_printable_ascii_are_characters, setup),
		cmocka_unit_test_setup(test_nul_is_passed_on_not_dropped, setup),
		cmocka_unit_test_setup(test_line_endings, setup),
		cmocka_unit_test_setup(test_lf_after_cr_split_across_calls_is_still_one_enter,
				       setup),
		cmocka_unit_test_setup(test_backspace_del_and_control_keys, setup),
		cmocka_unit_test_setup(test_csi_cursor_keys, setup),
		cmocka_unit_test_setup(test_ss3_keys, setup),
		cmocka_unit_test_setup(test_vt220_tilde_keys, setup),
		cmocka_unit_test_setup(test_known_but_unused_sequences_give_nothing, setup),
		cmocka_unit_test_setup(test_malformed_sequences_are_dropped_and_parser_recovers,
				       setup),
		cmocka_unit_test_setup(test_esc_inside_a_sequence_starts_a_new_one, setup),
		cmocka_unit_test_setup(test_enter_inside_a_sequence_still_ends_the_line, setup),
		cmocka_unit_test_setup(test_overlong_sequence_is_skipped_to_its_final_byte, setup),
		cmocka_unit_test_setup(test_sequence_at_the_length_limit, setup),
		cmocka_unit_test_setup(test_stray_bytes_are_ignored_and_counted, setup),
		cmocka_unit_test_setup(test_random_garbage_never_breaks_the_parser, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
