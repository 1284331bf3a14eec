/*
 * The keyboard capsule (capsules/keyboard.h) and its set 1 decoder, fed
 * bytes through a fake PS/2 port that records what the capsule sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/keyboard.h"
#include "capsules/keymap.h"
#include "capsules/scancode_set1.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/pending.h"
#include "fake_arch.h"
#include "fake_log.h"

/* --- fakes: the PS/2 port, the reset hook, the client, the log ---------- */

static struct hil_ps2_client port_client;
static bool port_has_client;
static unsigned port_services;
static uint8_t sent[64];
static size_t n_sent;      /* bytes sent; only the first 64 are kept */
static int send_result;    /* what send() returns */
static int port_hw_marker; /* the port's hw pointer, to check it is passed */

static void port_set_client(void *hw, const struct hil_ps2_client *client)
{
	assert_ptr_equal(hw, &port_hw_marker);
	port_client = *client;
	port_has_client = true;
}

static void port_service(void *hw)
{
	assert_ptr_equal(hw, &port_hw_marker);
	port_services++;
}

static int port_send(void *hw, uint8_t byte)
{
	assert_ptr_equal(hw, &port_hw_marker);
	if (send_result != 0)
		return send_result;
	if (n_sent < sizeof(sent))
		sent[n_sent] = byte;
	n_sent++;
	return 0;
}

static const struct hil_ps2 fake_port = {
	.hw = &port_hw_marker,
	.set_client = port_set_client,
	.service = port_service,
	.send = port_send,
};

static unsigned resets;
static int reset_hw_marker;

static void __attribute__((noreturn)) fake_reset(void *hw)
{
	assert_ptr_equal(hw, &reset_hw_marker);
	resets++;
	/* The real hook never returns: leave through cmocka's assert jump. */
	mock_assert(0, "reset", __FILE__, __LINE__);
	abort();
}

static const struct hil_reset fake_reset_hook = { .hw = &reset_hw_marker, .reset = fake_reset };

#define MAX_EVENTS 64
static struct key_event events[MAX_EVENTS];
static size_t n_events; /* events delivered; only the first 64 are kept */
static int client_marker;

static void client_key(void *ctx, const struct key_event *ev)
{
	assert_ptr_equal(ctx, &client_marker);
	if (n_events < MAX_EVENTS)
		events[n_events] = *ev;
	n_events++;
}

static const struct keyboard_client test_client = { .ctx = &client_marker, .key = client_key };

static unsigned count_in_log(const char *needle)
{
	unsigned count = 0;
	for (const char *p = fake_log; (p = strstr(p, needle)) != NULL; p++)
		count++;
	return count;
}

static struct keyboard kb;

static void reset_fakes(void)
{
	port_has_client = false;
	port_services = 0;
	n_sent = 0;
	send_result = 0;
	resets = 0;
	n_events = 0;
	fake_log_clear();
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	log_set_level(LOG_INFO);
	fake_log_capture();
	reset_fakes();
	keyboard_init(&kb, &fake_port, &keymap_us, &fake_reset_hook);
	keyboard_set_client(&kb, &test_client);
	return 0;
}

static void feed(const uint8_t *bytes, size_t n)
{
	assert_true(port_has_client);
	port_client.received(port_client.ctx, bytes, n);
}

#define FEED(...)                                              \
	do {                                                   \
		const uint8_t feed_bytes_[] = { __VA_ARGS__ }; \
		feed(feed_bytes_, sizeof(feed_bytes_));        \
	} while (0)

static struct keyboard_stats stats(void)
{
	struct keyboard_stats s;
	keyboard_get_stats(&kb, &s);
	return s;
}

static void assert_event(size_t i, enum key_code code, bool pressed, uint8_t ascii)
{
	assert_true(i < n_events && i < MAX_EVENTS);
	assert_string_equal(key_code_name(events[i].code), key_code_name(code));
	assert_int_equal(events[i].pressed, pressed);
	assert_int_equal(events[i].ascii, ascii);
}

/* Press and release one plain key, return the character the press typed. */
static uint8_t type_key(uint8_t make)
{
	size_t before = n_events;
	const uint8_t bytes[] = { make, (uint8_t)(make | 0x80) };
	feed(bytes, sizeof(bytes));
	assert_int_equal(n_events, before + 2);
	return events[before].ascii;
}

static void assert_sent(const uint8_t *expected, size_t n)
{
	assert_int_equal(n_sent, n);
	assert_memory_equal(sent, expected, n);
}

#define ASSERT_SENT(...)                                     \
	do {                                                 \
		const uint8_t expected_[] = { __VA_ARGS__ }; \
		assert_sent(expected_, sizeof(expected_));   \
	} while (0)

/* --- the decoder alone ---------------------------------------------------- */

static void decode_one(struct set1_decoder *d, uint8_t byte, struct set1_result *r)
{
	set1_feed(d, byte, r);
}

static void test_plain_codes_map_to_distinct_keys(void **state)
{
	(void)state;
	bool seen[KEY_COUNT] = { false };
	unsigned keys = 0;

	for (unsigned make = 0x01; make < 0x80; make++) {
		struct set1_decoder d;
		struct set1_result r;
		set1_reset(&d);
		decode_one(&d, (uint8_t)make, &r);
		assert_true(set1_is_idle(&d));
		bool known = make <= 0x58 && make != 0x55;
		if (!known) {
			assert_int_equal(r.outcome, SET1_UNKNOWN);
			continue;
		}
		assert_int_equal(r.outcome, SET1_KEY);
		assert_true(r.pressed);
		assert_false(seen[r.code]);
		seen[r.code] = true;
		keys++;

		decode_one(&d, (uint8_t)(make | 0x80), &r);
		assert_int_equal(r.outcome, SET1_KEY);
		assert_false(r.pressed);
	}
	assert_int_equal(keys, 0x58 - 1);
	assert_true(seen[KEY_ESC] && seen[KEY_F12] && seen[KEY_102ND] && seen[KEY_SYSRQ]);
}

/* From idle, no byte is ever handed back: feeding again always ends. */
static void test_idle_never_asks_to_feed_again(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		struct set1_decoder d;
		struct set1_result r;
		set1_reset(&d);
		set1_feed(&d, (uint8_t)b, &r);
		assert_false(r.feed_again);
		assert_int_equal(set1_is_idle(&d), b != 0xe0 && b != 0xe1);
	}
}

/* Every prefix of the Pause sequence, followed by every byte: either the
 * byte continues the sequence or the decoder ends up idle again (after the
 * byte is fed again). */
static void test_every_broken_pause_prefix_recovers(void **state)
{
	(void)state;
	static const uint8_t pause[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };

	for (size_t len = 1; len < sizeof(pause); len++) {
		for (unsigned b = 0; b < 256; b++) {
			struct set1_decoder d;
			struct set1_result r;
			set1_reset(&d);
			for (size_t i = 0; i < len; i++) {
				set1_feed(&d, pause[i], &r);
				assert_int_equal(r.outcome, SET1_MORE);
			}
			set1_feed(&d, (uint8_t)b, &r);
			if (b == pause[len]) {
				assert_false(r.feed_again);
				continue;
			}
			assert_int_equal(r.outcome, SET1_BROKEN_E1);
			assert_true(r.feed_again);
			assert_int_equal(r.seq_len, len);
			assert_memory_equal(r.seq, pause, len);
			assert_true(set1_is_idle(&d));
			set1_feed(&d, (uint8_t)b, &r);
			assert_false(r.feed_again);
		}
	}
}

/* --- keys and modifiers ---------------------------------------------------- */

static void test_letter_press_and_release(void **state)
{
	(void)state;
	FEED(0x1e, 0x9e);
	assert_int_equal(n_events, 2);
	assert_event(0, KEY_A, true, 'a');
	assert_event(1, KEY_A, false, 0);
	assert_false(events[0].repeat);
	assert_int_equal(events[0].modifiers, 0);
	assert_int_equal(stats().keys, 2);
	assert_int_equal(stats().bytes, 2);
}

static const struct {
	uint8_t make;
	enum key_code code;
} e0_keys[] = {
	{ 0x1c, KEY_KP_ENTER },     { 0x1d, KEY_RIGHT_CTRL }, { 0x35, KEY_KP_SLASH },
	{ 0x37, KEY_PRINT_SCREEN }, { 0x38, KEY_RIGHT_ALT },  { 0x46, KEY_BREAK },
	{ 0x47, KEY_HOME },         { 0x48, KEY_UP },         { 0x49, KEY_PAGE_UP },
	{ 0x4b, KEY_LEFT },         { 0x4d, KEY_RIGHT },      { 0x4f, KEY_END },
	{ 0x50, KEY_DOWN },         { 0x51, KEY_PAGE_DOWN },  { 0x52, KEY_INSERT },
	{ 0x53, KEY_DELETE },       { 0x5b, KEY_LEFT_GUI },   { 0x5c, KEY_RIGHT_GUI },
	{ 0x5d, KEY_MENU },
};

static void test_every_e0_key(void **state)
{
	(void)state;
	size_t count = sizeof(e0_keys) / sizeof(e0_keys[0]);

	for (size_t i = 0; i < count; i++) {
		n_events = 0;
		FEED(0xe0, e0_keys[i].make, 0xe0, (uint8_t)(e0_keys[i].make | 0x80));
		assert_int_equal(n_events, 2);
		assert_event(0, e0_keys[i].code, true, events[0].ascii);
		assert_event(1, e0_keys[i].code, false, 0);
		assert_int_equal(events[1].modifiers, 0);
	}
	assert_int_equal(stats().unknown, 0);
	assert_int_equal(stats().sequence_errors, 0);
	/* The keypad's extended keys type; the navigation keys do not. */
	n_events = 0;
	FEED(0xe0, 0x1c, 0xe0, 0x35, 0xe0, 0x4b, 0xe0, 0x53);
	assert_event(0, KEY_KP_ENTER, true, '\n');
	assert_event(1, KEY_KP_SLASH, true, '/');
	assert_event(2, KEY_LEFT, true, 0);
	assert_event(3, KEY_DELETE, true, 0);
}

static void test_each_modifier_sets_and_clears_its_bit(void **state)
{
	(void)state;
	static const struct {
		uint8_t bytes[2];
		size_t n;
		uint16_t bit;
	} mods[] = {
		{ { 0x2a }, 1, KEYMOD_LEFT_SHIFT },     { { 0x36 }, 1, KEYMOD_RIGHT_SHIFT },
		{ { 0x1d }, 1, KEYMOD_LEFT_CTRL },      { { 0xe0, 0x1d }, 2, KEYMOD_RIGHT_CTRL },
		{ { 0x38 }, 1, KEYMOD_LEFT_ALT },       { { 0xe0, 0x38 }, 2, KEYMOD_RIGHT_ALT },
		{ { 0xe0, 0x5b }, 2, KEYMOD_LEFT_GUI }, { { 0xe0, 0x5c }, 2, KEYMOD_RIGHT_GUI },
	};

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		n_events = 0;
		feed(mods[i].bytes, mods[i].n);
		assert_int_equal(keyboard_modifiers(&kb), mods[i].bit);
		assert_int_equal(events[0].modifiers, mods[i].bit);
		uint8_t release[2] = { mods[i].bytes[0],
				       (uint8_t)(mods[i].bytes[mods[i].n - 1] | 0x80) };
		if (mods[i].n == 1)
			release[0] = (uint8_t)(mods[i].bytes[0] | 0x80);
		feed(release, mods[i].n);
		assert_int_equal(keyboard_modifiers(&kb), 0);
		assert_int_equal(events[1].modifiers, 0);
		assert_false(events[1].pressed);
	}
}

static void test_shift_letters_and_digits(void **state)
{
	(void)state;
	FEED(0x2a); /* left Shift down */
	assert_int_equal(type_key(0x1e), 'A');
	assert_int_equal(type_key(0x02), '!');
	assert_int_equal(type_key(0x35), '?');
	FEED(0xaa); /* left Shift up */
	assert_int_equal(type_key(0x1e), 'a');
	FEED(0x36); /* right Shift */
	assert_int_equal(type_key(0x10), 'Q');
	FEED(0x2a, 0xb6); /* both, then right up: still shifted */
	assert_int_equal(type_key(0x10), 'Q');
	FEED(0xaa);
	assert_int_equal(type_key(0x10), 'q');
}

static void test_caps_lock_affects_letters_only(void **state)
{
	(void)state;
	FEED(0x3a, 0xba);
	assert_true(keyboard_modifiers(&kb) & KEYMOD_CAPS_LOCK);
	assert_int_equal(type_key(0x1e), 'A');
	assert_int_equal(type_key(0x02), '1');
	FEED(0x2a);
	assert_int_equal(type_key(0x1e), 'a'); /* Caps + Shift */
	assert_int_equal(type_key(0x02), '!');
	FEED(0xaa, 0x3a, 0xba);
	assert_false(keyboard_modifiers(&kb) & KEYMOD_CAPS_LOCK);
	assert_int_equal(type_key(0x1e), 'a');
}

/* A held lock key repeats its make code: it toggles once per press. */
static void test_lock_toggles_once_per_press(void **state)
{
	(void)state;
	FEED(0x3a, 0x3a, 0x3a);
	assert_int_equal(n_events, 3);
	assert_false(events[0].repeat);
	assert_true(events[1].repeat);
	assert_true(events[2].repeat);
	assert_true(keyboard_modifiers(&kb) & KEYMOD_CAPS_LOCK);
	FEED(0xba);
	assert_true(keyboard_modifiers(&kb) & KEYMOD_CAPS_LOCK);
	FEED(0x46, 0xc6);
	assert_true(keyboard_modifiers(&kb) & KEYMOD_SCROLL_LOCK);
}

static void test_num_lock_keypad_digits_versus_navigation(void **state)
{
	(void)state;
	static const struct {
		uint8_t make;
		enum key_code nav;
		uint8_t digit;
	} pad[] = {
		{ 0x47, KEY_HOME, '7' },   { 0x48, KEY_UP, '8' },     { 0x49, KEY_PAGE_UP, '9' },
		{ 0x4b, KEY_LEFT, '4' },   { 0x4c, KEY_KP_5, '5' },   { 0x4d, KEY_RIGHT, '6' },
		{ 0x4f, KEY_END, '1' },    { 0x50, KEY_DOWN, '2' },   { 0x51, KEY_PAGE_DOWN, '3' },
		{ 0x52, KEY_INSERT, '0' }, { 0x53, KEY_DELETE, '.' },
	};
	static const enum key_code digit_codes[] = {
		KEY_KP_7, KEY_KP_8, KEY_KP_9, KEY_KP_4, KEY_KP_5,   KEY_KP_6,
		KEY_KP_1, KEY_KP_2, KEY_KP_3, KEY_KP_0, KEY_KP_DOT,
	};
	size_t count = sizeof(pad) / sizeof(pad[0]);

	for (size_t i = 0; i < count; i++) { /* Num Lock off: navigation */
		n_events = 0;
		FEED(pad[i].make, (uint8_t)(pad[i].make | 0x80));
		assert_event(0, pad[i].nav, true, 0);
		assert_event(1, pad[i].nav, false, 0);
	}
	FEED(0x45, 0xc5); /* Num Lock on: digits */
	for (size_t i = 0; i < count; i++) {
		n_events = 0;
		FEED(pad[i].make, (uint8_t)(pad[i].make | 0x80));
		assert_event(0, digit_codes[i], true, pad[i].digit);
	}
	FEED(0x2a); /* Shift inverts Num Lock: navigation again */
	n_events = 0;
	FEED(0x4b);
	assert_event(0, KEY_LEFT, true, 0);
	FEED(0xcb, 0xaa, 0x45, 0xc5, 0x36); /* Num Lock off, Shift: digits */
	n_events = 0;
	FEED(0x4b);
	assert_event(0, KEY_KP_4, true, '4');
	/* Operators type whatever the locks. */
	FEED(0xcb, 0xb6);
	assert_int_equal(type_key(0x37), '*');
	assert_int_equal(type_key(0x4a), '-');
	assert_int_equal(type_key(0x4e), '+');
}

/* The release reports the code the press did, even if Num Lock changed. */
static void test_release_matches_press_across_num_lock(void **state)
{
	(void)state;
	FEED(0x4b);       /* Left (Num Lock off) */
	FEED(0x45, 0xc5); /* Num Lock on while it is held */
	n_events = 0;
	FEED(0xcb);
	assert_event(0, KEY_LEFT, false, 0);
}

static void test_ctrl_gives_control_characters(void **state)
{
	(void)state;
	FEED(0x1d, 0x2e); /* left Ctrl, C */
	assert_event(1, KEY_C, true, KEY_ASCII_CTRL_C);
	assert_int_equal(events[1].modifiers, KEYMOD_LEFT_CTRL);
	FEED(0xae, 0x9d);
	n_events = 0;
	FEED(0xe0, 0x1d, 0x16); /* right Ctrl, U */
	assert_event(1, KEY_U, true, KEY_ASCII_CTRL_U);
	assert_int_equal(events[1].modifiers, KEYMOD_RIGHT_CTRL);
	FEED(0x1a); /* Ctrl-[ is Esc */
	assert_event(2, KEY_LEFT_BRACKET, true, 0x1b);
	FEED(0x02); /* Ctrl-1 types nothing */
	assert_event(3, KEY_1, true, 0);
	FEED(0x1c); /* Ctrl-Enter still ends the line */
	assert_event(4, KEY_ENTER, true, '\n');
	FEED(0x3a, 0xba, 0x2e); /* Caps Lock does not change Ctrl-C */
	assert_int_equal(events[n_events - 1].ascii, KEY_ASCII_CTRL_C);
}

static void test_special_characters(void **state)
{
	(void)state;
	assert_int_equal(type_key(0x1c), '\n');
	assert_int_equal(type_key(0x0e), '\b');
	assert_int_equal(type_key(0x0f), '\t');
	assert_int_equal(type_key(0x01), 0x1b);
	assert_int_equal(type_key(0x39), ' ');
	assert_int_equal(type_key(0x3b), 0); /* F1 */
}

/* --- Ctrl-Alt-Del ---------------------------------------------------------- */

static void test_ctrl_alt_del_resets_from_a_deferred_call(void **state)
{
	(void)state;
	FEED(0x1d, 0x38, 0xe0, 0x53);
	/* Not from inside the decoder: only asked for. */
	assert_int_equal(resets, 0);
	assert_int_equal(stats().resets, 1);
	assert_true(pending_peek(&fake_cpu) & ((uint64_t)1 << kb.reset_call.bit));
	/* The client never sees the machine's key. */
	assert_int_equal(n_events, 2);
	assert_non_null(strstr(fake_log, "Ctrl-Alt-Del"));

	expect_assert_failure(loop_round(&fake_cpu));
	assert_int_equal(resets, 1);
}

/* Right Ctrl, right Alt and the keypad's Del (Num Lock off) work too. */
static void test_ctrl_alt_keypad_del_resets(void **state)
{
	(void)state;
	FEED(0xe0, 0x1d, 0xe0, 0x38, 0x53);
	assert_int_equal(resets, 0);
	expect_assert_failure(loop_round(&fake_cpu));
	assert_int_equal(resets, 1);
}

static void test_ctrl_del_or_alt_del_alone_do_not_reset(void **state)
{
	(void)state;
	FEED(0x1d, 0xe0, 0x53, 0xe0, 0xd3, 0x9d, 0x38, 0xe0, 0x53);
	assert_int_equal(stats().resets, 0);
	assert_int_equal(pending_peek(&fake_cpu), 0);
	assert_event(1, KEY_DELETE, true, 0);
}

static void test_ctrl_alt_del_without_a_reset_hook(void **state)
{
	(void)state;
	loop_reset_for_test();
	keyboard_init(&kb, &fake_port, &keymap_us, NULL);
	FEED(0x1d, 0x38, 0xe0, 0x53);
	assert_int_equal(stats().resets, 1);
	assert_non_null(strstr(fake_log, "no reset hook"));
	assert_int_equal(loop_round(&fake_cpu), 0);
}

/* --- Pause, Print Screen, fake shifts -------------------------------------- */

static void test_pause_is_a_press_and_a_release(void **state)
{
	(void)state;
	FEED(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
	assert_int_equal(n_events, 2);
	assert_event(0, KEY_PAUSE, true, 0);
	assert_event(1, KEY_PAUSE, false, 0);
	/* Its 1d/45 are not Ctrl and Num Lock. */
	assert_int_equal(keyboard_modifiers(&kb), 0);
	assert_int_equal(n_sent, 0);
	assert_int_equal(stats().sequence_errors, 0);
	/* Ctrl-Pause is Break. */
	FEED(0x1d, 0xe0, 0x46, 0xe0, 0xc6, 0x9d);
	assert_event(3, KEY_BREAK, true, 0);
	assert_event(4, KEY_BREAK, false, 0);
}

static void test_print_screen_with_fake_shifts(void **state)
{
	(void)state;
	FEED(0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
	assert_int_equal(n_events, 2);
	assert_event(0, KEY_PRINT_SCREEN, true, 0);
	assert_event(1, KEY_PRINT_SCREEN, false, 0);
	assert_int_equal(events[0].modifiers, 0);
	assert_int_equal(stats().unknown, 0);
	/* Alt-Print Screen is SysRq. */
	FEED(0x38, 0x54, 0xd4, 0xb8);
	assert_event(3, KEY_SYSRQ, true, 0);
}

/* With Shift held, the keyboard takes it back around Home (e0 aa ... e0 2a):
 * the real Shift must survive that. */
static void test_fake_shift_does_not_touch_real_shift(void **state)
{
	(void)state;
	FEED(0x2a, 0xe0, 0xaa, 0xe0, 0x47, 0xe0, 0xc7, 0xe0, 0x2a);
	assert_int_equal(n_events, 3);
	assert_event(1, KEY_HOME, true, 0);
	assert_int_equal(events[1].modifiers, KEYMOD_LEFT_SHIFT);
	assert_int_equal(keyboard_modifiers(&kb), KEYMOD_LEFT_SHIFT);
	assert_int_equal(type_key(0x1e), 'A');

	/* The same around the right Shift (e0 b6 ... e0 36). */
	FEED(0xaa, 0x36, 0xe0, 0xb6, 0xe0, 0x4b, 0xe0, 0xcb, 0xe0, 0x36);
	assert_int_equal(keyboard_modifiers(&kb), KEYMOD_RIGHT_SHIFT);
	assert_int_equal(stats().unknown, 0);
	assert_int_equal(type_key(0x1e), 'A');
}

static void test_release_without_press_is_reported(void **state)
{
	(void)state;
	FEED(0x9e, 0xe0, 0xcb);
	assert_int_equal(n_events, 2);
	assert_event(0, KEY_A, false, 0);
	assert_event(1, KEY_LEFT, false, 0);
	assert_int_equal(stats().unknown, 0);
}

/* --- LEDs -------------------------------------------------------------------- */

static void test_caps_lock_sets_the_led_after_ack(void **state)
{
	(void)state;
	FEED(0x3a);
	ASSERT_SENT(0xed);
	FEED(0xba); /* a scancode before the ack changes nothing */
	ASSERT_SENT(0xed);
	FEED(0xfa);
	ASSERT_SENT(0xed, 0x04);
	FEED(0xfa);
	ASSERT_SENT(0xed, 0x04);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.completed, 1);
	assert_int_equal(stats().anomalies[KEYBOARD_STRAY_ACK], 0);
	assert_int_equal(n_events, 2); /* the acks are no keys */
	/* Num Lock and Scroll Lock add their bits. */
	FEED(0x45, 0xfa, 0xfa, 0x46, 0xfa, 0xfa);
	ASSERT_SENT(0xed, 0x04, 0xed, 0x06, 0xed, 0x07);
}

static void test_led_byte_resent_on_fe(void **state)
{
	(void)state;
	FEED(0x3a, 0xfe);
	ASSERT_SENT(0xed, 0xed);
	FEED(0xfa, 0xfe);
	ASSERT_SENT(0xed, 0xed, 0x04, 0x04);
	FEED(0xfa);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.resends, 2);
	assert_int_equal(stats().leds.completed, 1);
}

static void test_led_gives_up_after_three_resends(void **state)
{
	(void)state;
	FEED(0x3a, 0xba, 0xfe, 0xfe, 0xfe);
	ASSERT_SENT(0xed, 0xed, 0xed, 0xed);
	assert_true(keyboard_leds_busy(&kb.leds));
	FEED(0xfe);
	ASSERT_SENT(0xed, 0xed, 0xed, 0xed);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.give_ups, 1);
	assert_int_equal(stats().leds.resends, 3);
	assert_non_null(strstr(fake_log, "giving up"));
	/* Keys still work, and the next lock key tries again. */
	assert_int_equal(type_key(0x1e), 'A');
	FEED(0x3a, 0xfa, 0xfa);
	ASSERT_SENT(0xed, 0xed, 0xed, 0xed, 0xed, 0x00);
}

/* A lock key pressed during an exchange is sent when it ends. */
static void test_led_change_during_exchange_follows(void **state)
{
	(void)state;
	FEED(0x3a, 0xba, 0x45, 0xc5);
	ASSERT_SENT(0xed);
	FEED(0xfa, 0xfa);
	ASSERT_SENT(0xed, 0x04, 0xed);
	FEED(0xfa, 0xfa);
	ASSERT_SENT(0xed, 0x04, 0xed, 0x06);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.commands, 2);
}

static void test_led_reply_that_never_comes(void **state)
{
	(void)state;
	FEED(0x3a, 0xba);
	n_events = 0;
	for (int i = 0; i < LEDS_PATIENCE_BYTES / 2; i++)
		FEED(0x1e, 0x9e);
	assert_int_equal(n_events, LEDS_PATIENCE_BYTES);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.lost_replies, 1);
	/* A late ack is then a stray one. */
	FEED(0xfa);
	assert_int_equal(stats().anomalies[KEYBOARD_STRAY_ACK], 1);
}

static void test_led_byte_the_controller_refuses(void **state)
{
	(void)state;
	send_result = -1;
	FEED(0x3a);
	assert_false(keyboard_leds_busy(&kb.leds));
	assert_int_equal(stats().leds.send_failures, 1);
	assert_non_null(strstr(fake_log, "refused LED byte ed"));
	send_result = 0;
	assert_int_equal(type_key(0x1e), 'A');
}

static void test_start_sends_the_lock_state(void **state)
{
	(void)state;
	keyboard_start(&kb);
	FEED(0xfa, 0xfa);
	ASSERT_SENT(0xed, 0x00);
	assert_int_equal(stats().leds.completed, 1);
}

/* An ack that arrives between e0 and its code does not break the key. */
static void test_reply_inside_a_sequence(void **state)
{
	(void)state;
	FEED(0x3a, 0xba);
	n_events = 0;
	FEED(0xe0, 0xfa, 0x4b);
	assert_int_equal(n_events, 1);
	assert_event(0, KEY_LEFT, true, 0);
	ASSERT_SENT(0xed, 0x04);
}

/* --- bad input --------------------------------------------------------------- */

static void test_stray_replies_counted_and_logged_once(void **state)
{
	(void)state;
	FEED(0xfa, 0xfa, 0xfe);
	assert_int_equal(stats().anomalies[KEYBOARD_STRAY_ACK], 2);
	assert_int_equal(stats().anomalies[KEYBOARD_STRAY_RESEND], 1);
	assert_int_equal(
		count_in_log(
			"keyboard: ack nobody waited for fa (counted; further ones not logged)"),
		1);
	assert_int_equal(count_in_log("resend request nobody waited for fe"), 1);
	assert_int_equal(n_events, 0);
}

static void test_unknown_e0_code_counted_and_logged_once(void **state)
{
	(void)state;
	FEED(0xe0, 0x5f, 0xe0, 0x5f, 0xe0, 0xdf, 0x59);
	assert_int_equal(stats().unknown, 4);
	assert_int_equal(stats().anomalies[KEYBOARD_UNKNOWN_E0], 3);
	assert_int_equal(stats().anomalies[KEYBOARD_UNKNOWN], 1);
	assert_int_equal(
		count_in_log(
			"warning: keyboard: unknown scancode e0 5f (counted; further ones not logged)"),
		1);
	assert_int_equal(count_in_log("keyboard: unknown scancode 59 (counted"), 1);
	assert_int_equal(count_in_log("unknown scancode"), 2);
	assert_int_equal(n_events, 0);
	assert_int_equal(type_key(0x1e), 'a');
}

static void test_broken_pause_then_a_key(void **state)
{
	(void)state;
	FEED(0xe1, 0x1d, 0x1e);
	assert_int_equal(stats().sequence_errors, 1);
	assert_int_equal(count_in_log("keyboard: broken pause sequence e1 1d, then 1e (counted"),
			 1);
	/* The byte that broke the sequence is a key of its own. */
	assert_int_equal(n_events, 1);
	assert_event(0, KEY_A, true, 'a');
	assert_int_equal(keyboard_modifiers(&kb), 0);
}

static void test_prefix_after_e0(void **state)
{
	(void)state;
	FEED(0xe0, 0xe0, 0x4b);
	assert_int_equal(stats().anomalies[KEYBOARD_BROKEN_E0], 1);
	assert_int_equal(n_events, 1);
	assert_event(0, KEY_LEFT, true, 0);
	FEED(0xe0, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
	assert_int_equal(stats().anomalies[KEYBOARD_BROKEN_E0], 2);
	assert_event(1, KEY_PAUSE, true, 0);
}

static void test_error_byte_drops_the_sequence_under_way(void **state)
{
	(void)state;
	FEED(0xe0, 0x00, 0x4b);
	/* 4b after the error is keypad 4, not e0 4b. */
	assert_event(0, KEY_LEFT, true, 0);
	assert_int_equal(kb.pressed_as[KEY_KP_4], KEY_LEFT);
	assert_int_equal(kb.pressed_as[KEY_LEFT], KEY_NONE);
	/* Nothing was held at the first error: no key state to drop. */
	assert_int_equal(stats().resyncs, 0);
	FEED(0xff);
	assert_int_equal(stats().anomalies[KEYBOARD_KEY_ERROR], 2);
	assert_int_equal(stats().sequence_errors, 1);
	assert_int_equal(count_in_log("keyboard reports an error or overrun e0 00"), 1);
	/* The overrun code says keys were lost: the held key is dropped. */
	assert_int_equal(kb.pressed_as[KEY_KP_4], KEY_NONE);
	assert_int_equal(stats().resyncs, 1);
	assert_int_equal(stats().loss_signs, 2);
}

/* --- lost bytes (issue 12 item 4; docs/interrupts.md) ------------------ */

/* Shift's release was lost upstream; the release of a key whose press was
 * lost is the sign: Shift must not outlive it. */
static void test_orphan_release_drops_a_shift_whose_release_was_lost(void **state)
{
	(void)state;
	FEED(0x2a);       /* Shift down */
	FEED(0x1e, 0x9e); /* a, typed as 'A' */
	assert_event(1, KEY_A, true, 'A');
	assert_true(keyboard_modifiers(&kb) & KEYMOD_SHIFT);
	/* lost: 10 (q down) and aa (Shift up); then q's release arrives */
	FEED(0x90);
	assert_int_equal(stats().orphan_releases, 1);
	assert_int_equal(stats().resyncs, 1);
	assert_int_equal(keyboard_modifiers(&kb) & KEYMOD_SHIFT, 0);
	assert_int_equal(count_in_log("keyboard: bytes were lost"), 1);
	size_t before = n_events;
	FEED(0x2f, 0xaf); /* v */
	assert_event(before, KEY_V, true, 'v');
}

/* The lock keys are toggles, not held keys: a resync keeps them. */
static void test_resync_keeps_the_locks(void **state)
{
	(void)state;
	FEED(0x3a, 0xba); /* Caps Lock on */
	FEED(0x1d);       /* Ctrl down */
	FEED(0x90);       /* a release with no press */
	assert_int_equal(keyboard_modifiers(&kb), KEYMOD_CAPS_LOCK);
	size_t before = n_events;
	FEED(0x1e);
	assert_event(before, KEY_A, true, 'A'); /* Caps, not Ctrl-A */
}

/* A broken sequence is a sign too; with nothing held, nothing changes. */
static void test_broken_sequence_drops_held_keys_and_no_sign_drops_nothing(void **state)
{
	(void)state;
	FEED(0x2a);       /* Shift down */
	FEED(0xe0, 0x1e); /* e0 1e is no key: unknown, not a sign */
	assert_true(keyboard_modifiers(&kb) & KEYMOD_SHIFT);
	assert_int_equal(stats().resyncs, 0);
	FEED(0xe0, 0xe0, 0x4b); /* e0 then e0: the first sequence lost a byte */
	assert_int_equal(stats().anomalies[KEYBOARD_BROKEN_E0], 1);
	assert_int_equal(stats().resyncs, 1);
	assert_int_equal(keyboard_modifiers(&kb) & KEYMOD_SHIFT, 0);
	/* The keyboard cannot tell knock what it lost before the controller:
	 * the count of lost bytes is unknown, not 0. */
	assert_true(stats().losses_uncounted);
}

/* A small fixed-seed generator, so a failure repeats exactly. */
static uint32_t lcg_state;

static uint8_t lcg_byte(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return (uint8_t)(lcg_state >> 16);
}

static void test_garbage_streams(void **state)
{
	(void)state;
	static const uint8_t release_all_modifiers[] = {
		0xaa, 0xb6, 0x9d, 0xe0, 0x9d, 0xb8, 0xe0, 0xb8, 0xe0, 0xdb, 0xe0, 0xdc,
	};

	for (uint32_t seed = 1; seed <= 16; seed++) {
		setup(NULL);
		lcg_state = seed;
		uint8_t chunk[97];
		size_t total = 0;
		while (total < 4000) {
			size_t n = 1 + lcg_byte() % sizeof(chunk);
			for (size_t i = 0; i < n; i++)
				chunk[i] = lcg_byte();
			feed(chunk, n);
			total += n;
		}
		struct keyboard_stats s = stats();
		assert_int_equal(s.bytes, total);
		assert_true(s.unknown > 0);
		assert_true(s.keys > 0);
		/* One byte that continues no sequence brings the decoder back to
		 * idle, whatever state the garbage left it in. */
		FEED(0x9e);
		assert_true(set1_is_idle(&kb.decoder));
		/* Each kind was fake_log at most once. */
		assert_true(count_in_log("further ones not logged") <= KEYBOARD_ANOMALY_COUNT);

		feed(release_all_modifiers, sizeof(release_all_modifiers));
		assert_int_equal(keyboard_modifiers(&kb) &
					 (KEYMOD_SHIFT | KEYMOD_CTRL | KEYMOD_ALT | KEYMOD_GUI),
				 0);
		n_events = 0;
		FEED(0x1e);
		assert_int_equal(n_events, 1);
		uint8_t expected = (keyboard_modifiers(&kb) & KEYMOD_CAPS_LOCK) ? 'A' : 'a';
		assert_event(0, KEY_A, true, expected);
	}
	/* The garbage did break sequences (the last seed's counters). */
	struct keyboard_stats s = stats();
	assert_true(s.sequence_errors > 0);
}

/* --- the `keys` ring, no client, service ------------------------------------ */

static void test_recent_ring_keeps_the_newest_oldest_first(void **state)
{
	(void)state;
	struct keyboard_recent_entry out[KEYBOARD_RECENT_MAX + 8];

	FEED(0xe0, 0x4b);
	size_t n = keyboard_recent(&kb, out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].kind, KEYBOARD_ENTRY_KEY);
	assert_int_equal(out[0].n_bytes, 2);
	char line[80];
	keyboard_describe(&out[0], line, sizeof(line));
	assert_string_equal(line, "e0 4b             Left down");

	for (int i = 0; i < 20; i++)
		FEED(0x1e, 0x9e);
	FEED(0xe0, 0x5f);
	n = keyboard_recent(&kb, out, sizeof(out) / sizeof(out[0]));
	assert_int_equal(n, KEYBOARD_RECENT_MAX);
	assert_int_equal(out[n - 1].kind, KEYBOARD_ENTRY_ANOMALY);
	assert_int_equal(out[n - 1].anomaly, KEYBOARD_UNKNOWN_E0);
	keyboard_describe(&out[n - 1], line, sizeof(line));
	assert_string_equal(line, "e0 5f             (unknown scancode)");
	assert_false(out[n - 2].key.pressed);
	assert_true(out[n - 3].key.pressed);
	keyboard_describe(&out[n - 3], line, sizeof(line));
	assert_string_equal(line, "1e                A down 'a'");

	/* Asking for fewer gives the newest ones. */
	n = keyboard_recent(&kb, out, 2);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].kind, KEYBOARD_ENTRY_ANOMALY);
	assert_false(out[0].key.pressed);
}

static void test_ring_records_replies_and_fake_shifts(void **state)
{
	(void)state;
	struct keyboard_recent_entry out[4];
	char line[80];

	FEED(0x3a, 0xfa, 0xe0, 0x2a);
	size_t n = keyboard_recent(&kb, out, 4);
	assert_int_equal(n, 3);
	keyboard_describe(&out[1], line, sizeof(line));
	assert_string_equal(line, "fa                (reply to the LED command)");
	keyboard_describe(&out[2], line, sizeof(line));
	assert_string_equal(line, "e0 2a             (fake shift, ignored)");
}

static void test_events_without_a_client_are_counted(void **state)
{
	(void)state;
	static const struct keyboard_client none = { 0 };
	keyboard_set_client(&kb, &none);
	FEED(0x1e, 0x9e);
	assert_int_equal(n_events, 0);
	assert_int_equal(stats().no_client, 2);
}

static void test_service_drains_the_port(void **state)
{
	(void)state;
	keyboard_service(&kb);
	assert_int_equal(port_services, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_codes_map_to_distinct_keys, setup),
		cmocka_unit_test_setup(test_idle_never_asks_to_feed_again, setup),
		cmocka_unit_test_setup(test_every_broken_pause_prefix_recovers, setup),
		cmocka_unit_test_setup(test_letter_press_and_release, setup),
		cmocka_unit_test_setup(test_every_e0_key, setup),
		cmocka_unit_test_setup(test_each_modifier_sets_and_clears_its_bit, setup),
		cmocka_unit_test_setup(test_shift_letters_and_digits, setup),
		cmocka_unit_test_setup(test_caps_lock_affects_letters_only, setup),
		cmocka_unit_test_setup(test_lock_toggles_once_per_press, setup),
		cmocka_unit_test_setup(test_num_lock_keypad_digits_versus_navigation, setup),
		cmocka_unit_test_setup(test_release_matches_press_across_num_lock, setup),
		cmocka_unit_test_setup(test_ctrl_gives_control_characters, setup),
		cmocka_unit_test_setup(test_special_characters, setup),
		cmocka_unit_test_setup(test_ctrl_alt_del_resets_from_a_deferred_call, setup),
		cmocka_unit_test_setup(test_ctrl_alt_keypad_del_resets, setup),
		cmocka_unit_test_setup(test_ctrl_del_or_alt_del_alone_do_not_reset, setup),
		cmocka_unit_test_setup(test_ctrl_alt_del_without_a_reset_hook, setup),
		cmocka_unit_test_setup(test_pause_is_a_press_and_a_release, setup),
		cmocka_unit_test_setup(test_print_screen_with_fake_shifts, setup),
		cmocka_unit_test_setup(test_fake_shift_does_not_touch_real_shift, setup),
		cmocka_unit_test_setup(test_release_without_press_is_reported, setup),
		cmocka_unit_test_setup(test_caps_lock_sets_the_led_after_ack, setup),
		cmocka_unit_test_setup(test_led_byte_resent_on_fe, setup),
		cmocka_unit_test_setup(test_led_gives_up_after_three_resends, setup),
		cmocka_unit_test_setup(test_led_change_during_exchange_follows, setup),
		cmocka_unit_test_setup(test_led_reply_that_never_comes, setup),
		cmocka_unit_test_setup(test_led_byte_the_controller_refuses, setup),
		cmocka_unit_test_setup(test_start_sends_the_lock_state, setup),
		cmocka_unit_test_setup(test_reply_inside_a_sequence, setup),
		cmocka_unit_test_setup(test_stray_replies_counted_and_logged_once, setup),
		cmocka_unit_test_setup(test_unknown_e0_code_counted_and_logged_once, setup),
		cmocka_unit_test_setup(test_broken_pause_then_a_key, setup),
		cmocka_unit_test_setup(test_prefix_after_e0, setup),
		cmocka_unit_test_setup(test_error_byte_drops_the_sequence_under_way, setup),
		cmocka_unit_test_setup(test_orphan_release_drops_a_shift_whose_release_was_lost,
				       setup),
		cmocka_unit_test_setup(test_resync_keeps_the_locks, setup),
		cmocka_unit_test_setup(
			test_broken_sequence_drops_held_keys_and_no_sign_drops_nothing, setup),
		cmocka_unit_test_setup(test_garbage_streams, setup),
		cmocka_unit_test_setup(test_recent_ring_keeps_the_newest_oldest_first, setup),
		cmocka_unit_test_setup(test_ring_records_replies_and_fake_shifts, setup),
		cmocka_unit_test_setup(test_events_without_a_client_are_counted, setup),
		cmocka_unit_test_setup(test_service_drains_the_port, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
