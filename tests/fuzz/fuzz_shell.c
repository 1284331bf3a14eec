/*
 * Fuzz the shell (capsules/shell.c) whole, the way a user reaches it on
 * the serial line: bytes arrive at a fake UART, whose interrupt bit the
 * loop services through the console (ANSI parser, line editor, line
 * delivery), which hands lines to the shell, whose answers go back out
 * through the console's ring and the UART. A fake 1 MHz clock drives the
 * alarm mux (`alarm`, `alarms`, `uptime`, `heartbeat`, the delay before
 * `reboot`); a keyboard capsule is there for `keys`, a stats capsule for
 * `stats` and `irqs`. Every command of the sets registered here (the
 * shell's own, time, keyboard, heartbeat, observing, machine, faults) is
 * reachable; `reboot` and a fatal `fault` end the input (the machine
 * resets or halts).
 *
 * Input: one options byte, then what is typed.
 *   bits 0-3  bytes that arrive per step, minus one
 *   bits 4-6  milliseconds per step (the clock also ticks 1 us per read)
 *   bit 7     a board without clock, keyboard and heartbeat (their sets
 *             are not registered)
 * After the input, up to 64 steps of 10 ms without input let the answers
 * out and the alarms (and a reboot's delay) run.
 *
 * Checked: the console never offers the UART a second buffer, never gets
 * back one it did not send, and the line editor's output always fits.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsules/alarm_commands.h"
#include "capsules/alarm_mux.h"
#include "capsules/console.h"
#include "capsules/lab/fault_commands.h"
#include "capsules/heartbeat.h"
#include "capsules/heartbeat_commands.h"
#include "capsules/keyboard.h"
#include "capsules/keyboard_commands.h"
#include "capsules/keymap.h"
#include "capsules/reboot_commands.h"
#include "capsules/shell.h"
#include "capsules/stats.h"
#include "capsules/stats_commands.h"
#include "kernel/loop.h"
#include "kernel/observe.h"
#include "kernel/pending.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_alarm.h"
#include "tests/unit/fake_arch.h"

#define BIT_TIMER 0
#define BIT_COM1 1
#define OPT_BYTES_PER_STEP 0x0f
#define OPT_MS_SHIFT 4
#define OPT_MS_MASK 0x07
#define OPT_BARE_BOARD 0x80
#define MAX_ROUNDS 64
#define DRAIN_STEPS 64
#define DRAIN_MS 10 /* so the reboot's 50 ms delay passes */

/* The board lends the trace rings (kernel/trace.h): CPU 0's here. */
static struct trace_ring trace_ring_cpu0;
static struct console con;
static struct alarm_mux mux;
static struct keyboard kb;
static struct shell sh;
static jmp_buf machine_reset;

/* --- the clock ----------------------------------------------------------- */

/* Time passes while the kernel looks at it: every read advances it. */
static struct fake_alarm clock;

/* --- the UART ------------------------------------------------------------ */

static const struct hil_uart_client *uart_client;
static const uint8_t *rx;
static size_t rx_len;
static const uint8_t *tx;
static size_t tx_len;
static bool show_serial; /* FUZZ_LOG set: the serial line to stderr too */

static void uart_set_client(void *hw, const struct hil_uart_client *client)
{
	(void)hw;
	uart_client = client;
}

static int uart_transmit(void *hw, const uint8_t *buf, size_t len)
{
	(void)hw;
	FUZZ_CHECK(!tx); /* one buffer at a time: the console knows */
	FUZZ_CHECK(len > 0);
	tx = buf;
	tx_len = len;
	return 0;
}

/* What the loop runs for the UART's bit: received bytes in, and the
 * buffer sent since the last interrupt back. */
static void uart_service(void *hw)
{
	(void)hw;
	if (rx_len) {
		const uint8_t *bytes = rx;
		size_t n = rx_len;
		rx_len = 0;
		uart_client->received(uart_client->ctx, bytes, n, 0);
	}
	if (tx) {
		const uint8_t *buf = tx;
		tx = NULL;
		if (show_serial)
			fwrite(buf, 1, tx_len, stderr);
		uart_client->transmitted(uart_client->ctx, buf, tx_len);
	}
}

static const struct hil_uart uart = {
	.set_client = uart_set_client,
	.transmit = uart_transmit,
	.service = uart_service,
};

/* --- the rest of the board ------------------------------------------------- */

static void screen_write(void *hw, const char *s, size_t n)
{
	(void)hw;
	(void)s;
	(void)n;
}

static const struct hil_text_screen screen = { .write = screen_write };

static void ps2_set_client(void *hw, const struct hil_ps2_client *client)
{
	(void)hw;
	(void)client;
}

static void ps2_service(void *hw)
{
	(void)hw;
}

static int ps2_send(void *hw, uint8_t byte)
{
	(void)hw;
	(void)byte;
	return 0;
}

static const struct hil_ps2 ps2 = {
	.set_client = ps2_set_client,
	.service = ps2_service,
	.send = ps2_send,
};

static __attribute__((noreturn)) void reset_machine(void *hw)
{
	(void)hw;
	longjmp(machine_reset, 1);
}

static const struct hil_reset reset_hook = { .reset = reset_machine };

/* As the pc board's hook does: a breakpoint is reported and resumes, the
 * other kinds end in a panic (the input ends), anything else is unknown. */
static bool fault(const char *kind)
{
	static const char *const fatal[] = { "pf", "ud", "de", "gp", "stack" };

	if (!strcmp(kind, "bp"))
		return true;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (!strcmp(kind, fatal[i]))
			longjmp(machine_reset, 1);
	return false;
}

static void read_counts(void *ctx, struct stats_source_counts *out)
{
	(void)ctx;
	*out = (struct stats_source_counts){ 3, 2, 1, false, "bytes" };
}

static const struct stats_source sources[] = { { BIT_COM1, "com1", read_counts, NULL } };

static struct cpu *one_cpu(void *ctx, unsigned i)
{
	(void)ctx;
	return i == 0 ? &fake_cpu : NULL;
}

static struct heartbeat heartbeat;
static struct stats stats;
static struct alarm_commands alarm_cmds;
static struct keyboard_commands keyboard_cmds;
static struct heartbeat_commands heartbeat_cmds;
static struct stats_commands stats_cmds;
static struct reboot_commands reboot_cmds;
static struct fault_commands fault_cmds;

/* --- the run --------------------------------------------------------------- */

static void check_console(void)
{
	const struct console_stats *st = console_get_stats(&con);

	FUZZ_CHECK(st->foreign_buffers == 0 && st->transmit_refused == 0);
	FUZZ_CHECK(console_editor_stats(&con)->output_overflow == 0);
}

/* One step of time: input arrives, the timer and the UART interrupt, the
 * loop runs until it has nothing left (or a bound). */
static void step(const uint8_t *bytes, size_t n, uint64_t ms, bool bare)
{
	clock.now += ms * 1000;
	rx = bytes;
	rx_len = n;
	if (n || tx)
		pending_set(&fake_cpu, BIT_COM1);
	if (!bare && fake_alarm_due(&clock)) {
		fake_alarm_knock(&clock); /* one-shot, like the LAPIC timer */
		pending_set(&fake_cpu, BIT_TIMER);
	}
	for (int i = 0; i < MAX_ROUNDS && loop_round(&fake_cpu); i++)
		;
	check_console();
}

static void start(bool bare)
{
	fuzz_reset();
	show_serial = getenv("FUZZ_LOG") != NULL;
	fake_alarm_init(&clock, 1000000, 5000000);
	clock.now_step = 1;
	rx_len = 0;
	tx = NULL;
	loop_declare_interrupt(BIT_TIMER, "timer");
	loop_declare_interrupt(BIT_COM1, "com1");
	console_init(&con, &uart, &screen);
	loop_set_client(BIT_COM1, "console", console_uart_service, &con);
	alarm_mux_init(&mux, &clock.hil);
	loop_set_client(BIT_TIMER, "alarm_mux", alarm_mux_service, &mux);
	keyboard_init(&kb, &ps2, &keymap_us, NULL);
	const struct stats_board sb = {
		.sources = sources,
		.source_count = 1,
		.cpu = one_cpu,
		.cycles_per_second = 1000000,
	};
	observe_set_timing(false);
	observe_set_trace(false);
	trace_set_rings(&trace_ring_cpu0, 1);
	stats_init(&stats, &sb);
	heartbeat_init(&heartbeat, &mux);
	shell_init(&sh, &con);
	/* As the pc board does (board/pc/wire_shell.c). */
	alarm_commands_init(&alarm_cmds, &mux);
	keyboard_commands_init(&keyboard_cmds, &kb);
	heartbeat_commands_init(&heartbeat_cmds, &heartbeat);
	stats_commands_init(&stats_cmds, &stats);
	reboot_commands_init(&reboot_cmds, &reset_hook, bare ? NULL : &mux);
	fault_commands_init(&fault_cmds, fault, "pf ud de gp bp stack");
	if (!bare) {
		shell_register(&sh, &alarm_cmds.set);
		shell_register(&sh, &keyboard_cmds.set);
		shell_register(&sh, &heartbeat_cmds.set);
	}
	shell_register(&sh, &stats_cmds.set);
	shell_register(&sh, &reboot_cmds.set);
	shell_register(&sh, &fault_cmds.set);
	shell_start(&sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t per_step = (size_t)(data[0] & OPT_BYTES_PER_STEP) + 1;
	uint64_t ms = (data[0] >> OPT_MS_SHIFT) & OPT_MS_MASK;
	bool bare = data[0] & OPT_BARE_BOARD;

	start(bare);
	if (setjmp(machine_reset) == 0) {
		for (size_t at = 1; at < size; at += per_step)
			step(data + at, size - at < per_step ? size - at : per_step, ms, bare);
		for (int i = 0; i < DRAIN_STEPS && (tx || fake_cpu.pending || clock.armed); i++)
			step(NULL, 0, DRAIN_MS, bare);
	}
	fuzz_free_all();
	return 0;
}
