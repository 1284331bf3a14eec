/*
 * The pc board's observation wiring (wire_observe.h).
 *
 * The one table of interrupt sources (capsules/stats.h says what each
 * counter means), which feeds both `irqs` and `stats`, from the drivers'
 * own counters:
 *   timer     raised: alarm deadlines passed (alarms fired plus periodic
 *             grid points skipped); drained: alarm callbacks run;
 *             dropped: none can be (a deadline stays in the mux until it
 *             is served).
 *   keyboard  raised: keyboard bytes the i8042 handed over (each raised
 *             IRQ1; mouse-port bytes are not this source's); drained:
 *             bytes the keyboard capsule decoded; dropped: bytes the
 *             keyboard capsule never got, key events without a client,
 *             keys the console's input queue refused.
 *   com1      raised and drained: bytes received (the UART driver hands
 *             every byte it reads to the console); dropped: UART overruns
 *             (at least one byte each), serial keys the console's input
 *             queue refused.
 */
#include <stddef.h>

#include "board/pc/interrupts.h"
#include "board/pc/wire_acpi.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_memory.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_timer.h"
#include "chips/x86_64/percpu.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/observe.h"
#include "kernel/string.h"

static struct stats stats;
static struct trace_dump trace_dump;
static const struct board_observe observe = {
	.stats = &stats,
	.trace_dump = &trace_dump,
};

const char *board_top_halves_kind = "plain";

static void timer_counts(void *ctx, struct stats_source_counts *out)
{
	(void)ctx;
	out->raised = board_alarm_mux.stats.fired + board_alarm_mux.stats.missed;
	out->drained = board_alarm_mux.stats.fired;
	out->dropped = 0;
	out->unit = "deadlines";
}

static void keyboard_counts(void *ctx, struct stats_source_counts *out)
{
	const struct i8042 *c = board_i8042();
	const struct console_stats *cs = console_get_stats(board_console());
	struct keyboard_stats ks;

	(void)ctx;
	keyboard_get_stats(board_keyboard(), &ks);
	out->raised = c->stats.bytes;
	out->drained = ks.bytes;
	out->dropped = (c->stats.bytes - ks.bytes) + ks.no_client +
		       (cs->input_dropped - cs->serial_dropped);
	/* Bytes lost before the controller (QEMU's PS/2 queue, a keyboard's
	 * own buffer) never reach a counter (keyboard.h). */
	out->dropped_unknown = ks.losses_uncounted;
	out->unit = "bytes";
}

static void com1_counts(void *ctx, struct stats_source_counts *out)
{
	const struct uart16550 *u = board_uart();
	const struct console_stats *cs = console_get_stats(board_console());

	(void)ctx;
	out->raised = u ? u->stats.rx_bytes : 0;
	out->drained = u ? u->stats.rx_bytes : 0;
	out->dropped = (u ? u->stats.overrun : 0) + cs->serial_dropped;
	out->unit = u ? "bytes received" : "bytes received (no UART)";
}

static const struct stats_source sources[] = {
	{ BIT_TIMER, "timer", timer_counts, NULL },
	{ BIT_KEYBOARD, "keyboard", keyboard_counts, NULL },
	{ BIT_COM1, "com1", com1_counts, NULL },
};

static const char *stubs(void)
{
	return board_top_halves_kind;
}

/* The CPUs that have a block (percpu.c fills `self` when it installs one). */
static struct cpu *cpu_at(void *ctx, unsigned i)
{
	(void)ctx;
	return i < MAX_CPUS && cpu_blocks[i].self ? &cpu_blocks[i] : NULL;
}

/* One trace ring per CPU the platform lists (the boot CPU's at least),
 * from the memory for buffers: 16 KiB each, 1 MiB for 64 CPUs, more than
 * the image's 2 MiB could spare (kernel/trace.h). Returns how many. */
static unsigned lend_trace_rings(void)
{
	unsigned n = board_platform.cpu_count;
	uint64_t addr;

	if (n < 1)
		n = 1;
	if (n > CPU_MAX)
		n = CPU_MAX;
	if (!board_dma_alloc((uint64_t)n * sizeof(struct trace_ring), 4096, &addr)) {
		log_warn("observe: no memory for %u trace rings of %u KiB: the trace records "
			 "nothing",
			 n, (unsigned)(sizeof(struct trace_ring) / 1024));
		return 0;
	}
	trace_set_rings((struct trace_ring *)(uintptr_t)addr, n);
	return n;
}

void board_wire_observe(void)
{
	uint64_t hz = board_lapic_alarm.tsc_hz;
	const struct stats_board sb = {
		.sources = sources,
		.source_count = sizeof(sources) / sizeof(sources[0]),
		.cpu = cpu_at,
		.cycles_per_second = hz,
		.stubs = stubs,
	};
	char value[16];

	unsigned rings = lend_trace_rings();
	stats_init(&stats, &sb);
	trace_dump_init(&trace_dump, board_console(), cpu_at, NULL, hz);

	/* Latency timing costs every callback about 160 instructions: off
	 * unless asked for (stats=timing, or `stats timing on`). */
	bool timing = false;
	if (cmdline_value("stats", value, sizeof(value))) {
		if (!strcmp(value, "timing") || !strcmp(value, "counts"))
			timing = !strcmp(value, "timing");
		else
			log_warn("options: stats=%s is not timing or counts", value);
	}
	bool trace = cmdline_value("trace", value, sizeof(value)) && !strcmp(value, "on");
	observe_set_timing(timing);
	observe_set_trace(trace);
	log_info("observe: stats %s, trace %s (rings for %u cpu%s)",
		 timing ? "with latency timing" : "counts only", trace ? "on" : "off", rings,
		 rings == 1 ? "" : "s");
}

const struct board_observe *board_observe(void)
{
	return &observe;
}
