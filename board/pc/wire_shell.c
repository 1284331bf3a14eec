/*
 * The pc board's shell wiring (wire_shell.h).
 *
 * The `irqs` columns per source, from what each chip and capsule counts
 * (top halves count nothing: they are three instructions):
 *   timer     raised: one-shots armed on the LAPIC timer (each raises at
 *             most one interrupt); serviced: alarm mux rounds; drained:
 *             alarm callbacks run.
 *   keyboard  raised: bytes the i8042 delivered (each raises IRQ1, mouse
 *             bytes included); serviced: i8042 services; drained: bytes
 *             the keyboard capsule decoded.
 *   com1      raised: causes the UART reported in IIR; serviced: console
 *             services of the UART bit; drained: bytes received.
 */
#include "board/pc/wire_shell.h"

#include "board/pc/extension.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_reset.h"
#include "board/pc/wire_timer.h"

static struct shell shell;
static struct heartbeat heartbeat;

static void timer_counts(void *ctx, struct shell_irq_counts *out)
{
	(void)ctx;
	out->raised = board_lapic_alarm.arms;
	out->serviced = board_alarm_mux.stats.rounds;
	out->drained = board_alarm_mux.stats.fired;
	out->unit = "alarms fired";
}

static void keyboard_counts(void *ctx, struct shell_irq_counts *out)
{
	struct keyboard_stats ks;
	const struct i8042 *c = board_i8042();

	(void)ctx;
	keyboard_get_stats(board_keyboard(), &ks);
	out->raised = c->stats.bytes + c->stats.aux_bytes;
	out->serviced = c->stats.services;
	out->drained = ks.bytes;
	out->unit = "bytes decoded";
}

static void com1_counts(void *ctx, struct shell_irq_counts *out)
{
	const struct uart16550 *u = board_uart();

	(void)ctx;
	out->raised = u ? u->stats.interrupts : 0;
	out->serviced = console_get_stats(board_console())->services;
	out->drained = u ? u->stats.rx_bytes : 0;
	out->unit = u ? "bytes received" : "bytes received (no UART)";
}

static const struct shell_irq_source irq_sources[] = {
	{ "timer", timer_counts, NULL },
	{ "keyboard", keyboard_counts, NULL },
	{ "com1", com1_counts, NULL },
};

void board_wire_shell(void)
{
	struct shell_board hooks = {
		.reset = &board_reset,
		.irq_sources = irq_sources,
		.irq_source_count = sizeof(irq_sources) / sizeof(irq_sources[0]),
		.heartbeat = &heartbeat,
		.tools = board_observe_tools(),
	};

	board_extensions_shell(&hooks); /* the lab's commands (knock-lab.iso) */
	/* Before shell_init(), which makes the shell the heartbeat's client. */
	heartbeat_init(&heartbeat, &board_alarm_mux);
	shell_init(&shell, board_console(), &board_alarm_mux, board_keyboard(), &hooks);
	shell_start(&shell);
}

struct shell *board_shell(void)
{
	return &shell;
}
