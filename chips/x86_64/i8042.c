/*
 * The i8042 PS/2 controller: ports 0x60 (data) and 0x64 (status/command).
 *
 * Initialisation, in the order the controller needs it:
 *  1. disable both ports (ad, a7) so no device writes into what we flush;
 *  2. flush the output buffer (bounded: a missing controller reads ff);
 *  3. read the configuration byte (20) and write it back with both port
 *     interrupts and translation off while testing;
 *  4. controller self-test (aa -> 55), then write the configuration again,
 *     because on some controllers the self-test resets it;
 *  5. keyboard port test (ab -> 00);
 *  6. configuration: port 1 interrupt on, port 1 clock on, translation on
 *     (set 1: QEMU's send-key then arrives as set 1), port 2 interrupt off;
 *  7. enable port 1 (ae) and flush once more.
 * The keyboard is not reset: it scans from power-on (QEMU's does too), and a
 * reset would need a reply we would have to wait for.
 *
 * Every wait is a bounded poll that warns when it expires, never a hang.
 *
 * Spec: the IBM PC AT Technical Reference, keyboard controller section (the
 * 8042 commands 0x20/0x60/0xa7/0xa8/0xaa/0xad/0xae, status bits), and the
 * IBM PS/2 keyboard commands (0xf4 enable, 0xed LEDs, 0xfa ACK, 0xfe
 * resend).
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/i8042.h"
#include "chips/x86_64/io.h"
#include "kernel/log.h"
#include "kernel/observe.h"
#include "kernel/string.h"

#define PORT_DATA 0x60
#define PORT_STATUS 0x64 /* read: status; write: controller command */

#define STATUS_OUTPUT_FULL 0x01 /* a byte waits at PORT_DATA for us */
#define STATUS_INPUT_FULL 0x02  /* the controller has not taken our last byte */
#define STATUS_AUX_DATA 0x20    /* the waiting byte is from port 2 (mouse) */

#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_PORT2 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_TEST_PORT1 0xab
#define CMD_DISABLE_PORT1 0xad
#define CMD_ENABLE_PORT1 0xae

#define SELF_TEST_PASSED 0x55
#define PORT_TEST_PASSED 0x00

#define CONFIG_PORT1_IRQ 0x01
#define CONFIG_PORT2_IRQ 0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_PORT2_CLOCK_OFF 0x20
#define CONFIG_TRANSLATE 0x40

/* A status read takes about a microsecond on real hardware: ~100 ms,
 * longer than any controller needs (the self-test is the slowest). */
#define WAIT_POLLS 100000
/* send() is called from the loop: give up after ~10 ms rather than stall it. */
#define SEND_POLLS 10000
/* Bytes thrown away at init; the controller buffers at most a few. */
#define FLUSH_MAX 64
/* A keyboard delivers a byte per millisecond at most, so this many in one
 * service means the status register is stuck, not that keys are coming. */
#define DRAIN_MAX 256
/* Bytes handed to the client per call. */
#define CHUNK 16

static bool wait_input_empty(struct i8042 *c, const char *what)
{
	for (int i = 0; i < WAIT_POLLS; i++)
		if (!(inb(PORT_STATUS) & STATUS_INPUT_FULL))
			return true;
	c->stats.timeouts++;
	log_warn("i8042: timeout waiting to send %s (input buffer stays full)", what);
	return false;
}

static bool wait_output_full(struct i8042 *c, const char *what)
{
	for (int i = 0; i < WAIT_POLLS; i++)
		if (inb(PORT_STATUS) & STATUS_OUTPUT_FULL)
			return true;
	c->stats.timeouts++;
	log_warn("i8042: timeout waiting for the reply to %s", what);
	return false;
}

static bool command(struct i8042 *c, uint8_t cmd, const char *what)
{
	if (!wait_input_empty(c, what))
		return false;
	outb(PORT_STATUS, cmd);
	return true;
}

/* A command that answers with one byte; -1 on timeout. */
static int query(struct i8042 *c, uint8_t cmd, const char *what)
{
	if (!command(c, cmd, what) || !wait_output_full(c, what))
		return -1;
	return inb(PORT_DATA);
}

static bool write_config(struct i8042 *c, uint8_t config)
{
	if (!command(c, CMD_WRITE_CONFIG, "the write-config command"))
		return false;
	if (!wait_input_empty(c, "the configuration byte"))
		return false;
	outb(PORT_DATA, config);
	return true;
}

static void flush(void)
{
	for (int i = 0; i < FLUSH_MAX && (inb(PORT_STATUS) & STATUS_OUTPUT_FULL); i++) {
		inb(PORT_DATA);
		io_wait();
	}
}

int i8042_init(struct i8042 *c)
{
	memset(c, 0, sizeof(*c));
	if (!command(c, CMD_DISABLE_PORT1, "disable port 1") ||
	    !command(c, CMD_DISABLE_PORT2, "disable port 2"))
		goto absent;
	flush();

	int config = query(c, CMD_READ_CONFIG, "read config");
	if (config < 0)
		goto absent;
	uint8_t quiet = (uint8_t)config & ~(CONFIG_PORT1_IRQ | CONFIG_PORT2_IRQ | CONFIG_TRANSLATE);
	if (!write_config(c, quiet))
		goto absent;

	int reply = query(c, CMD_SELF_TEST, "self-test");
	if (reply != SELF_TEST_PASSED) {
		log_warn("i8042: self-test answered %d, not 0x55: no keyboard", reply);
		goto absent;
	}
	if (!write_config(c, quiet))
		goto absent;

	reply = query(c, CMD_TEST_PORT1, "keyboard port test");
	if (reply != PORT_TEST_PASSED) {
		log_warn("i8042: keyboard port test answered %d, not 0: no keyboard", reply);
		goto absent;
	}

	c->config =
		(uint8_t)((quiet | CONFIG_PORT1_IRQ | CONFIG_TRANSLATE | CONFIG_PORT2_CLOCK_OFF) &
			  ~(CONFIG_PORT2_IRQ | CONFIG_PORT1_CLOCK_OFF));
	if (!write_config(c, c->config) || !command(c, CMD_ENABLE_PORT1, "enable port 1"))
		goto absent;
	flush();
	c->present = true;
	log_info("i8042: keyboard port ready (config %02x: IRQ1 on, translation to set 1 on)",
		 c->config);
	return 0;

absent:
	c->present = false;
	return -1;
}

static void set_client(void *hw, const struct hil_ps2_client *client)
{
	struct i8042 *c = hw;

	c->client = *client;
	c->has_client = client->received != NULL;
}

static void hand_over(struct i8042 *c, const uint8_t *bytes, size_t n)
{
	c->stats.bytes += n;
	if (c->has_client)
		c->client.received(c->client.ctx, bytes, n);
}

/* Drain the output buffer completely: the interrupt bit may stand for
 * several bytes (the top half only knocks), and a byte left behind would
 * also block the next interrupt, since the controller raises IRQ1 only
 * when the buffer goes from empty to full. */
static void service(void *hw)
{
	struct i8042 *c = hw;
	uint8_t chunk[CHUNK];
	size_t n = 0;
	unsigned drained = 0;

	c->stats.services++;
	if (!c->present)
		return;
	for (;;) {
		uint8_t status = inb(PORT_STATUS);
		if (!(status & STATUS_OUTPUT_FULL))
			break;
		if (drained++ == DRAIN_MAX) {
			if (c->stats.drain_limits++ == 0)
				log_warn(
					"i8042: output buffer still full after %u bytes; status stuck?",
					DRAIN_MAX);
			break;
		}
		uint8_t byte = inb(PORT_DATA);
		if (status & STATUS_AUX_DATA) {
			c->stats.aux_bytes++;
			continue;
		}
		chunk[n++] = byte;
		if (n == CHUNK) {
			hand_over(c, chunk, n);
			n = 0;
		}
	}
	if (drained == 0)
		c->stats.empty_services++;
	if (n)
		hand_over(c, chunk, n);
	observe_note_events(drained); /* the trace shows what one service drained */
}

static int send(void *hw, uint8_t byte)
{
	struct i8042 *c = hw;

	if (!c->present)
		return -1;
	for (int i = 0; i < SEND_POLLS; i++) {
		if (!(inb(PORT_STATUS) & STATUS_INPUT_FULL)) {
			outb(PORT_DATA, byte);
			c->stats.sent++;
			return 0;
		}
	}
	c->stats.send_timeouts++;
	return -1;
}

void i8042_hil(struct i8042 *c, struct hil_ps2 *out)
{
	out->hw = c;
	out->set_client = set_client;
	out->service = service;
	out->send = send;
}

/* --- the bake-off's ISR-queue design (board/pc/design_isrqueue.c) ------ */

int i8042_read_byte(struct i8042 *c)
{
	if (!c->present)
		return -1;
	uint8_t status = inb(PORT_STATUS);
	if (!(status & STATUS_OUTPUT_FULL))
		return -1;
	uint8_t byte = inb(PORT_DATA);
	if (status & STATUS_AUX_DATA) {
		c->stats.aux_bytes++;
		return -1;
	}
	return byte;
}

void i8042_deliver(struct i8042 *c, const uint8_t *bytes, size_t n)
{
	c->stats.services++;
	hand_over(c, bytes, n);
}
