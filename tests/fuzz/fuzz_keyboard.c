/*
 * Fuzz the keyboard capsule (capsules/keyboard.c with its LED exchange,
 * set 1 decoder and layout) the way the pc board wires it: bytes from the
 * PS/2 port in, key events out to the console, whose line editor takes
 * them; the loop runs the deferred calls (the console's, Ctrl-Alt-Del's
 * reset) between the port's batches.
 *
 * Input: one options byte, then the bytes the keyboard sends.
 *   bit 0     the controller refuses every byte the capsule sends (LEDs)
 *   bit 1     the board gave no reset hook
 *   bits 4-7  bytes per batch handed to the capsule, minus one
 *
 * Checked: every key event is one the interface allows (a key code, known
 * modifier bits, ASCII only on presses), only LED commands go to the
 * keyboard, Ctrl-Alt-Del resets from the loop, every `keys` line formats
 * within its buffer, and the line editor stays within its line.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capsules/console.h"
#include "capsules/keyboard.h"
#include "capsules/keymap.h"
#include "kernel/loop.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_arch.h"

#define OPT_SEND_REFUSED 0x01
#define OPT_NO_RESET 0x02
#define KNOWN_MODIFIERS 0x07ff
#define MAX_ROUNDS 16

static struct keyboard kb;
static struct console con;
static struct hil_ps2_client port_client;
static bool send_refused;
static uint8_t last_sent;
static jmp_buf machine_reset;

/* --- the port, the reset hook, the screen ----------------------------- */

static void port_set_client(void *hw, const struct hil_ps2_client *client)
{
	(void)hw;
	port_client = *client;
}

static void port_service(void *hw)
{
	(void)hw;
}

/* The keyboard gets LED commands (ed), each followed by a mask, and a byte
 * again when it asks (fe); nothing else. */
static int port_send(void *hw, uint8_t byte)
{
	(void)hw;
	bool mask = !(byte & ~(LED_SCROLL_LOCK | LED_NUM_LOCK | LED_CAPS_LOCK));
	FUZZ_CHECK(byte == LEDS_CMD_SET ||
		   (mask && (last_sent == LEDS_CMD_SET || last_sent == byte)));
	if (send_refused)
		return -1;
	last_sent = byte;
	return 0;
}

static const struct hil_ps2 port = {
	.set_client = port_set_client,
	.service = port_service,
	.send = port_send,
};

static bool in_loop; /* the harness is running loop rounds */

/* Ctrl-Alt-Del: from the loop (a deferred call), never from inside the
 * port's call that brought the Delete. */
static __attribute__((noreturn)) void reset_machine(void *hw)
{
	(void)hw;
	FUZZ_CHECK(in_loop);
	longjmp(machine_reset, 1); /* the machine is gone: the input ends here */
}

static const struct hil_reset reset_hook = { .reset = reset_machine };

static void screen_write(void *hw, const char *s, size_t n)
{
	(void)hw;
	(void)s;
	(void)n;
}

static const struct hil_text_screen screen = { .write = screen_write };

/* --- the console's reader and the keyboard's client ------------------- */

static char line[LINE_MAX_CHARS + 1];
static void got_line(void *ctx, char *buf, size_t len);
static const struct console_line_client reader = { .line = got_line };

static void got_line(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	FUZZ_CHECK(buf == line && len <= LINE_MAX_CHARS && strlen(buf) == len);
	FUZZ_CHECK(console_read_line(&con, "> ", line, sizeof(line), &reader) == 0);
}

static void key(void *ctx, const struct key_event *ev)
{
	FUZZ_CHECK(ev->code < KEY_COUNT);
	FUZZ_CHECK(!(ev->modifiers & ~KNOWN_MODIFIERS));
	FUZZ_CHECK(ev->ascii < 0x80);
	FUZZ_CHECK(ev->pressed || (!ev->ascii && !ev->repeat));
	console_keyboard_key(ctx, ev);
}

/* --- the run ----------------------------------------------------------- */

static void describe_recent(void)
{
	struct keyboard_recent_entry recent[KEYBOARD_RECENT_MAX];
	char text[80];
	size_t n = keyboard_recent(&kb, recent, KEYBOARD_RECENT_MAX);

	FUZZ_CHECK(n <= KEYBOARD_RECENT_MAX);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(recent[i].n_bytes <= SET1_SEQ_MAX);
		/* The snprintf contract: the whole length, and what fits kept. */
		int len = keyboard_describe(&recent[i], text, sizeof(text));
		FUZZ_CHECK(len >= 0);
		size_t kept = (size_t)len < sizeof(text) ? (size_t)len : sizeof(text) - 1;
		FUZZ_CHECK(strlen(text) == kept);
	}
}

static void check_editor(void)
{
	const struct line_editor *le = &con.editor;

	FUZZ_CHECK(le->len <= LINE_MAX_CHARS && le->cursor <= le->len);
	FUZZ_CHECK(le->stats.output_overflow == 0);
}

static void run_loop(void)
{
	in_loop = true;
	for (int i = 0; i < MAX_ROUNDS && loop_round(&fake_cpu); i++)
		;
	in_loop = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t options = data[0];
	size_t batch = (size_t)(options >> 4) + 1;

	fuzz_reset();
	send_refused = options & OPT_SEND_REFUSED;
	last_sent = 0;
	in_loop = false;
	console_init(&con, NULL, &screen);
	keyboard_init(&kb, &port, &keymap_us, (options & OPT_NO_RESET) ? NULL : &reset_hook);
	keyboard_set_client(&kb, &(struct keyboard_client){ .ctx = &con, .key = key });
	keyboard_start(&kb);
	FUZZ_CHECK(console_read_line(&con, "> ", line, sizeof(line), &reader) == 0);

	if (setjmp(machine_reset) == 0) {
		for (size_t at = 1; at < size; at += batch) {
			size_t n = size - at < batch ? size - at : batch;
			port_client.received(port_client.ctx, data + at, n);
			check_editor();
			run_loop();
			check_editor();
		}
	}
	describe_recent();
	FUZZ_CHECK(!(keyboard_modifiers(&kb) & ~KNOWN_MODIFIERS));
	fuzz_free_all();
	return 0;
}
