/*
 * console (see console.h): an output ring drained by the UART, a screen
 * written synchronously, and one line editor fed by keyboard and serial.
 *
 * Everything runs on the loop. The three ways in are the writers' calls,
 * the UART's callbacks (from console_uart_service, the UART bit's client)
 * and the keyboard's key events; the one way back out to clients is the
 * console's deferred call (line delivery, queued input, room callbacks),
 * so no client is ever called back inside a call it made.
 */
#include "capsules/console.h"
#include "kernel/clock.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

/* Writers may fill the ring only up to here; the rest is the echo's. */
#define WRITER_CAPACITY (CONSOLE_RING_SIZE - CONSOLE_ECHO_RESERVE)
/* Waiting writers are called back once this much is free again: calling
 * them for every few bytes would cost a callback per FIFO refill. */
#define ROOM_THRESHOLD (WRITER_CAPACITY / 2)

_Static_assert(CONSOLE_ECHO_RESERVE >= LINE_EDITOR_OUT_MAX,
	       "one key's echo must fit the reserve even in the worst case");

/* --- the ring -------------------------------------------------------- */

static size_t ring_used(const struct console *c)
{
	return c->head - c->tail;
}

static size_t ring_free(const struct console *c)
{
	return CONSOLE_RING_SIZE - ring_used(c);
}

static size_t writer_free(const struct console *c)
{
	size_t used = ring_used(c);
	return used >= WRITER_CAPACITY ? 0 : WRITER_CAPACITY - used;
}

/* What n bytes take in the ring: the serial line wants "\r\n". */
static size_t serial_len(const char *s, size_t n)
{
	size_t len = n;
	for (size_t i = 0; i < n; i++)
		len += s[i] == '\n';
	return len;
}

static void ring_put(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			c->ring[c->head++ % CONSOLE_RING_SIZE] = '\r';
		c->ring[c->head++ % CONSOLE_RING_SIZE] = (uint8_t)s[i];
	}
}

/* Hand the UART the oldest contiguous run of queued bytes, unless it
 * already has some: that run is the UART's until transmitted(). */
static void kick(struct console *c)
{
	size_t used = ring_used(c);

	if (!c->uart || c->in_flight || used == 0)
		return;
	size_t start = c->tail % CONSOLE_RING_SIZE;
	size_t len = CONSOLE_RING_SIZE - start < used ? CONSOLE_RING_SIZE - start : used;
	if (c->uart->transmit(c->uart->hw, &c->ring[start], len) != 0) {
		c->stats.transmit_refused++;
		return;
	}
	c->in_flight = len;
	c->stats.transmissions++;
}

static void screen_write(struct console *c, const char *s, size_t n)
{
	if (c->screen && n)
		c->screen->write(c->screen->hw, s, n);
}

/* Echo and redraws: the whole ring, reserve included; all or nothing on
 * the serial line, always on the screen. */
static void echo(struct console *c, const char *s, size_t n)
{
	if (n == 0)
		return;
	screen_write(c, s, n);
	if (!c->uart)
		return;
	if (serial_len(s, n) > ring_free(c)) {
		c->stats.echo_dropped += n;
		return;
	}
	ring_put(c, s, n);
	kick(c);
}

/* The echo of a key the line editor answered: usually the one character
 * typed, which is echoed here without echo()'s loops and call. */
static inline __attribute__((always_inline)) void echo_typed(struct console *c, const char *s,
							     size_t n)
{
	if (n == 1 && s[0] != '\n' && c->uart && ring_free(c) > 0) {
		screen_write(c, s, 1);
		c->ring[c->head++ % CONSOLE_RING_SIZE] = (uint8_t)s[0];
		kick(c);
		return;
	}
	echo(c, s, n);
}

/* --- output ---------------------------------------------------------- */

size_t console_write(struct console *c, const char *s, size_t n)
{
	size_t taken = n;

	if (c->uart) {
		size_t room = writer_free(c);
		for (taken = 0; taken < n; taken++) {
			size_t need = s[taken] == '\n' ? 2 : 1;
			if (need > room)
				break;
			room -= need;
		}
		ring_put(c, s, taken);
		kick(c);
	}
	screen_write(c, s, taken);
	c->stats.bytes_accepted += taken;
	c->stats.bytes_refused += n - taken;
	return taken;
}

size_t console_room(const struct console *c)
{
	return c->uart ? writer_free(c) : WRITER_CAPACITY;
}

static bool editing(const struct console *c)
{
	return c->reader && c->editor.active && !c->line_ready;
}

/* Take the input line off the screen so a message can go where it was. */
static void clear_input_line(struct console *c)
{
	static const char spaces[CONSOLE_COLUMNS] = { [0 ... CONSOLE_COLUMNS - 1] = ' ' };
	size_t width = strlen(c->editor.prompt) + c->editor.len;

	if (width >= CONSOLE_COLUMNS) {
		/* It wrapped; '\r' cannot reach its start. Leave it above. */
		echo(c, "\n", 1);
		return;
	}
	echo(c, "\r", 1);
	echo(c, spaces, width);
	echo(c, "\r", 1);
}

static void redraw_input_line(struct console *c)
{
	line_editor_redraw(&c->editor);
	echo(c, c->editor.out, c->editor.out_len);
}

static bool put_line(struct console *c, const char *s, size_t n, bool to_screen)
{
	bool above = editing(c);
	bool queued = true;

	if (above && c->input_off) {
		/* A process's unfinished line is where the input line was:
		 * the message goes below it, and the input line comes back. */
		echo(c, "\n", 1);
		c->input_off = false;
	} else if (above) {
		clear_input_line(c);
	}
	if (to_screen)
		screen_write(c, s, n);
	if (c->uart) {
		queued = serial_len(s, n) <= writer_free(c);
		if (queued) {
			ring_put(c, s, n);
			kick(c);
		}
	}
	if (above)
		redraw_input_line(c);
	return queued;
}

bool console_write_line(struct console *c, const char *s, size_t n)
{
	if (put_line(c, s, n, true)) {
		c->stats.lines_written++;
		return true;
	}
	c->stats.lines_dropped++;
	return false;
}

size_t console_write_above(struct console *c, const char *s, size_t n)
{
	if (!editing(c) || n == 0)
		return console_write(c, s, n);
	bool took_off = !c->input_off;
	if (took_off) {
		clear_input_line(c);
		c->input_off = true;
	}
	size_t taken = console_write(c, s, n);
	/* Ended a line, or took nothing (the writer waits for room): the
	 * input line goes back where it was. */
	if ((taken && s[taken - 1] == '\n') || (!taken && took_off)) {
		redraw_input_line(c);
		c->input_off = false;
	}
	return taken;
}

uint64_t console_dropped_log_lines(const struct console *c)
{
	return c->stats.lines_dropped;
}

/* The screen showed the dropped lines; the serial line is told how many
 * it missed, once there is room to say it. */
static void report_dropped_lines(struct console *c)
{
	char msg[96];
	uint64_t missed = c->stats.lines_dropped - c->dropped_reported;

	if (!missed)
		return;
	int n = ksnprintf(msg, sizeof(msg),
			  "console: %llu line%s not sent on the serial line (output full)\n",
			  (unsigned long long)missed, missed == 1 ? "" : "s");
	if (put_line(c, msg, (size_t)n, false))
		c->dropped_reported = c->stats.lines_dropped;
}

static void notify_waiters(struct console *c)
{
	const struct console_room_client *called[CONSOLE_MAX_WAITERS];
	unsigned count = c->waiter_count;

	if (!count)
		return;
	/* With a transmission under way, wait for real room; with none, no
	 * transmitted() will come, so this is the writers' only chance. */
	if (c->in_flight && writer_free(c) < ROOM_THRESHOLD)
		return;
	/* Copy first: a waiter may ask again from inside its callback. */
	for (unsigned i = 0; i < count; i++)
		called[i] = c->waiters[i];
	c->waiter_count = 0;
	for (unsigned i = 0; i < count; i++) {
		c->stats.room_callbacks++;
		called[i]->room(called[i]->ctx);
	}
}

int console_notify_when_room(struct console *c, const struct console_room_client *client)
{
	for (unsigned i = 0; i < c->waiter_count; i++)
		if (c->waiters[i] == client)
			return 0;
	if (c->waiter_count == CONSOLE_MAX_WAITERS) {
		c->stats.waiters_refused++;
		return -1;
	}
	c->waiters[c->waiter_count++] = client;
	if (!c->in_flight)
		deferred_call_set(&c->dc);
	return 0;
}

/* --- the UART's callbacks -------------------------------------------- */

static void uart_transmitted(void *ctx, const uint8_t *buf, size_t len)
{
	struct console *c = ctx;

	if (!c->in_flight || buf != &c->ring[c->tail % CONSOLE_RING_SIZE] || len != c->in_flight) {
		c->stats.foreign_buffers++;
		return;
	}
	c->tail += len;
	c->in_flight = 0;
	if (c->synced > c->tail) /* written synchronously by console_panic_drain() */
		c->tail = c->synced;
	report_dropped_lines(c);
	kick(c);
	notify_waiters(c);
}

static inline __attribute__((always_inline)) void feed_editor(struct console *c,
							      struct line_input key)
{
	enum line_result r = line_editor_key(&c->editor, key);

	echo_typed(c, c->editor.out, c->editor.out_len);
	if (r == LINE_DONE) {
		c->read_len = line_editor_take_line(&c->editor, c->read_buf, c->read_cap);
		c->line_ready = true;
		deferred_call_set(&c->dc);
	}
}

static void input(struct console *c, struct line_input key)
{
	if (key.key == LINE_KEY_CANCEL) {
		/* Ctrl-C also throws away whatever was typed ahead. */
		c->queue_count = 0;
		if (!editing(c))
			return; /* the next prompt is a clean one anyway */
	}
	if (editing(c) && c->queue_count == 0) {
		feed_editor(c, key);
		return;
	}
	if (c->queue_count == CONSOLE_INPUT_QUEUE) {
		c->stats.input_dropped++;
		return;
	}
	c->queue[(c->queue_first + c->queue_count++) % CONSOLE_INPUT_QUEUE] = key;
}

static void uart_received(void *ctx, const uint8_t *bytes, size_t n, unsigned errors)
{
	struct console *c = ctx;
	struct line_input key;

	c->stats.rx_bytes += n;
	c->stats.rx_errors += errors;
	if (c->raw_reader) {
		size_t taken = c->raw_reader->received(c->raw_reader->ctx, bytes, n);
		c->stats.raw_bytes += taken;
		if (taken >= n)
			return;
		c->raw_reader = NULL;
		bytes += taken;
		n -= taken;
	}
	uint64_t dropped_before = c->stats.input_dropped;
	for (size_t i = 0; i < n; i++)
		if (ansi_parse_byte(&c->ansi, bytes[i], &key))
			input(c, key);
	c->stats.serial_dropped += c->stats.input_dropped - dropped_before;
}

int console_read_raw(struct console *c, const struct console_raw_client *client)
{
	if (c->raw_reader || !client)
		return -1;
	c->raw_reader = client;
	return 0;
}

void console_end_raw(struct console *c)
{
	c->raw_reader = NULL;
}

void console_input_key(struct console *c, struct line_input key)
{
	c->stats.keys++;
	input(c, key);
}

bool console_key_from_keyboard(const struct key_event *ev, struct line_input *out)
{
	static const struct {
		enum key_code code;
		enum line_key key;
	} by_code[] = {
		{ KEY_UP, LINE_KEY_UP },         { KEY_DOWN, LINE_KEY_DOWN },
		{ KEY_LEFT, LINE_KEY_LEFT },     { KEY_RIGHT, LINE_KEY_RIGHT },
		{ KEY_HOME, LINE_KEY_HOME },     { KEY_END, LINE_KEY_END },
		{ KEY_DELETE, LINE_KEY_DELETE },
	};

	if (!ev->pressed)
		return false;
	/* Most keys type a printable character: decided first, without the
	 * table below (no key in it types one: the keymaps give the
	 * navigation keys no character, and a keypad key that stands for one
	 * types none). */
	if (ev->ascii >= 0x20 && ev->ascii <= 0x7e) {
		*out = (struct line_input){ .key = LINE_KEY_CHAR, .ch = (char)ev->ascii };
		return true;
	}
	*out = (struct line_input){ .key = LINE_KEY_CHAR, .ch = 0 };
	for (size_t i = 0; i < sizeof(by_code) / sizeof(by_code[0]); i++) {
		if (ev->code == by_code[i].code) {
			out->key = by_code[i].key;
			return true;
		}
	}
	switch (ev->ascii) {
	case '\n':
	case '\r':
		out->key = LINE_KEY_ENTER;
		return true;
	case '\b':
	case 0x7f:
		out->key = LINE_KEY_BACKSPACE;
		return true;
	case KEY_ASCII_CTRL_C:
		out->key = LINE_KEY_CANCEL;
		return true;
	case KEY_ASCII_CTRL_U:
		out->key = LINE_KEY_KILL;
		return true;
	case 0x01: /* Ctrl-A, as on the serial side */
		out->key = LINE_KEY_HOME;
		return true;
	case 0x05: /* Ctrl-E */
		out->key = LINE_KEY_END;
		return true;
	default:
		if (ev->ascii < 0x20 || ev->ascii > 0x7e)
			return false;
		out->ch = (char)ev->ascii;
		return true;
	}
}

void console_keyboard_key(void *console, const struct key_event *ev)
{
	struct console *c = console;
	struct line_input key;

	/* A printable character, the usual key, without the call. */
	if (ev->pressed && ev->ascii >= 0x20 && ev->ascii <= 0x7e)
		key = (struct line_input){ .key = LINE_KEY_CHAR, .ch = (char)ev->ascii };
	else if (!console_key_from_keyboard(ev, &key))
		return;
	c->stats.keys++;
	/* What input() does with a key while a line is edited and nothing
	 * is queued ahead of it, without the extra call. */
	if (key.key != LINE_KEY_CANCEL && editing(c) && c->queue_count == 0)
		feed_editor(c, key);
	else
		input(c, key);
}

void console_uart_service(void *console)
{
	struct console *c = console;

	c->stats.services++;
	if (c->uart)
		c->uart->service(c->uart->hw);
}

/* --- input: lines ---------------------------------------------------- */

static void report_dropped_input(struct console *c)
{
	char msg[96];
	uint64_t lost = c->stats.input_dropped - c->input_dropped_reported;

	if (!lost)
		return;
	c->input_dropped_reported = c->stats.input_dropped;
	int n = ksnprintf(msg, sizeof(msg), "console: %llu key%s dropped (typed while busy)\n",
			  (unsigned long long)lost, lost == 1 ? "" : "s");
	console_write_line(c, msg, (size_t)n);
}

int console_read_line(struct console *c, const char *prompt, char *buf, size_t cap,
		      const struct console_line_client *client)
{
	/* Room for the longest line and its NUL: the editor never cuts. */
	if (c->reader || !client || !buf || cap < LINE_MAX_CHARS + 1)
		return -1;
	report_dropped_input(c);
	c->reader = client;
	c->read_buf = buf;
	c->read_cap = cap;
	c->read_len = 0;
	c->line_ready = false;
	c->input_off = false;
	line_editor_begin(&c->editor, prompt);
	echo(c, c->editor.out, c->editor.out_len);
	if (c->queue_count)
		deferred_call_set(&c->dc); /* typed ahead: edit it from the loop */
	return 0;
}

static void deliver_line(struct console *c)
{
	if (!c->line_ready)
		return;
	const struct console_line_client *reader = c->reader;
	char *buf = c->read_buf;
	size_t len = c->read_len;

	c->line_ready = false;
	c->reader = NULL;
	c->read_buf = NULL;
	c->stats.lines_read++;
	reader->line(reader->ctx, buf, len);
}

static void process_queue(struct console *c)
{
	while (c->queue_count && editing(c)) {
		struct line_input key = c->queue[c->queue_first];
		c->queue_first = (c->queue_first + 1) % CONSOLE_INPUT_QUEUE;
		c->queue_count--;
		feed_editor(c, key);
	}
}

static void console_deferred(void *ctx)
{
	struct console *c = ctx;

	deliver_line(c);
	process_queue(c);
	notify_waiters(c);
}

/* --- setup and introspection ----------------------------------------- */

void console_init(struct console *c, const struct hil_uart *uart,
		  const struct hil_text_screen *screen)
{
	memset(c, 0, sizeof(*c));
	c->uart = uart;
	c->screen = screen;
	c->uart_client = (struct hil_uart_client){
		.ctx = c,
		.received = uart_received,
		.transmitted = uart_transmitted,
	};
	ansi_parser_init(&c->ansi);
	line_editor_init(&c->editor);
	deferred_call_init(&c->dc, "console");
	deferred_call_register(&c->dc, "console", console_deferred, c);
	if (uart)
		uart->set_client(uart->hw, &c->uart_client);
}

const struct console_stats *console_get_stats(const struct console *c)
{
	return &c->stats;
}

const struct ansi_stats *console_ansi_stats(const struct console *c)
{
	return &c->ansi.stats;
}

const struct line_editor_stats *console_editor_stats(const struct console *c)
{
	return &c->editor.stats;
}

void console_panic_drain(struct console *c, void (*write_raw)(const uint8_t *bytes, size_t n))
{
	size_t from = c->tail + c->in_flight;

	if (c->synced > from) /* an earlier drain already wrote these */
		from = c->synced;
	while (from != c->head) {
		size_t start = from % CONSOLE_RING_SIZE;
		size_t len = CONSOLE_RING_SIZE - start;
		if (len > c->head - from)
			len = c->head - from;
		write_raw(&c->ring[start], len);
		from += len;
	}
	/* With a run in flight the UART still owes its transmitted() (the
	 * board flushed its bytes, not its callback): tail moves past the
	 * drained bytes when that comes. This keeps the ring consistent if the
	 * loop resumes (a breakpoint), not only after a panic. */
	if (c->in_flight)
		c->synced = c->head;
	else
		c->tail = c->head;
}
