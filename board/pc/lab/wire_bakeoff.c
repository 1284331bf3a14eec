/* The bake-off's wiring and figures (wire_bakeoff.h). */
#include "board/pc/lab/wire_bakeoff.h"

#include "board/pc/lab/design.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_timer.h"
#include "capsules/lab/bakeoff_load.h"
#include "chips/x86_64/lab/irq_handler.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "kernel/lab/isr_queue.h"
#include "kernel/log.h"
#include "kernel/string.h"

static struct bakeoff_load load;
static uint64_t design_number;
static uint64_t tsc_hz;

/* Filled in board_wire_bakeoff(): some addresses exist only then. */
static struct bakeoff_figure figures[64];
static unsigned figure_count;

struct bakeoff_export board_bakeoff_export;

static void add(const char *name, const void *value, enum bakeoff_figure_kind kind)
{
	if (figure_count < sizeof(figures) / sizeof(figures[0]))
		figures[figure_count++] = (struct bakeoff_figure){ name, value, kind, 0, 0 };
	else
		log_warn("bakeoff: no room for figure %s", name);
}

static uint64_t value_now(const struct bakeoff_figure *f)
{
	if (f->kind == BAKEOFF_U64)
		return *(const uint64_t *)f->value;
	if (f->kind == BAKEOFF_U32)
		return *(const uint32_t *)f->value;
	return 0;
}

/* The load starts: zero what is ours, remember where the rest stood. */
static void started(void *ctx)
{
	(void)ctx;
	irq_off_meter_start();
	for (unsigned b = 0; b < BOARD_DEVICES; b++)
		latency_hist_reset(&board_design_latency[b]);
	for (unsigned i = 0; i < figure_count; i++)
		figures[i].at_start = value_now(&figures[i]);
}

static uint64_t interrupt_cycles(void *ctx)
{
	(void)ctx;
	return irq_handler_ticks;
}

static const struct bakeoff_load_hooks hooks = {
	.ctx = NULL,
	.started = started,
	.interrupt_cycles = interrupt_cycles,
};

static void add_figures(void)
{
	struct i8042 *kbc = board_i8042();
	struct uart16550 *uart = board_uart();
	const struct console_stats *cs = console_get_stats(board_console());
	static const char *const latency_names[] = {
#define LATENCY_NAME(e, name, vector, bit, isa, cpu) [bit] = "latency." name,
		BOARD_INTERRUPTS(LATENCY_NAME)
#undef LATENCY_NAME
	};
	static const char *const pushed_names[] = {
#define PUSHED_NAME(e, name, vector, bit, isa, cpu) [bit] = "queue.pushed." name,
		BOARD_INTERRUPTS(PUSHED_NAME)
#undef PUSHED_NAME
	};
	static const char *const dropped_names[] = {
#define DROPPED_NAME(e, name, vector, bit, isa, cpu) [bit] = "queue.dropped." name,
		BOARD_INTERRUPTS(DROPPED_NAME)
#undef DROPPED_NAME
	};

	add("design", &design_number, BAKEOFF_U64);
	add("tsc_hz", &tsc_hz, BAKEOFF_U64);
	add("load.started", &load.started, BAKEOFF_U64);
	add("load.finished", &load.finished, BAKEOFF_U64);
	add("load.burns", &load.burns, BAKEOFF_U64);
	add("load.burn_cycles", &load.burn_cycles, BAKEOFF_U64);
	add("load.burn_irq_cycles", &load.burn_irq_cycles, BAKEOFF_U64);
	add("load.flood_done", &load.flood_done, BAKEOFF_U64);
	add("load.sink_done", &load.sink_done, BAKEOFF_U64);
	add("load.sink_bytes", &load.sink_bytes, BAKEOFF_U64);
	add("load.sink_crc", &load.sink_crc, BAKEOFF_U64);
	add("alarms.set", &load.flood.result.count, BAKEOFF_U32);
	add("alarms.fired", &load.flood.result.fired, BAKEOFF_U32);
	add("alarms.twice", &load.flood.result.twice, BAKEOFF_U32);
	add("alarms.out_of_order", &load.flood.result.out_of_order, BAKEOFF_U32);
	add("alarms.missing", &load.flood.result.missing, BAKEOFF_U32);
	add("irqoff.overhead", &irq_off_meter.overhead, BAKEOFF_U64);
	add("irqoff.loop.longest", &irq_off_meter.longest[IRQ_OFF_LOOP], BAKEOFF_U64);
	add("irqoff.loop.windows", &irq_off_meter.windows[IRQ_OFF_LOOP], BAKEOFF_U64);
	add("irqoff.loop.total", &irq_off_meter.total[IRQ_OFF_LOOP], BAKEOFF_U64);
	add("irqoff.handler.longest", &irq_off_meter.longest[IRQ_OFF_HANDLER], BAKEOFF_U64);
	add("irqoff.handler.windows", &irq_off_meter.windows[IRQ_OFF_HANDLER], BAKEOFF_U64);
	add("irqoff.handler.total", &irq_off_meter.total[IRQ_OFF_HANDLER], BAKEOFF_U64);
	add("irqoff.held", &irq_off_meter.held, BAKEOFF_U64);
	add("idle.total", &irq_off_meter.idle_total, BAKEOFF_U64);
	add("idle.sleeps", &irq_off_meter.sleeps, BAKEOFF_U64);
	add("idle.last_sleep", &irq_off_meter.last_sleep, BAKEOFF_U64);
	add("handler.entry_cost", &irq_handler_costs.entry, BAKEOFF_U64);
	add("handler.exit_cost", &irq_handler_costs.exit, BAKEOFF_U64);
	add("handler.count", &irq_handler_count, BAKEOFF_U64);
	add("handler.cycles", &irq_handler_ticks, BAKEOFF_U64);
	add("keyboard.bytes_delivered", &kbc->stats.bytes, BAKEOFF_U64);
	add("keyboard.key_events", &board_keyboard()->stats.keys, BAKEOFF_U64);
	add("console.rx_bytes", &cs->rx_bytes, BAKEOFF_U64);
	add("console.keys", &cs->keys, BAKEOFF_U64);
	add("console.input_dropped", &cs->input_dropped, BAKEOFF_U64);
	if (uart) {
		add("uart.rx_bytes", &uart->stats.rx_bytes, BAKEOFF_U64);
		add("uart.overrun", &uart->stats.overrun, BAKEOFF_U64);
	}
	add("timer.alarms_fired", &board_alarm_mux.stats.fired, BAKEOFF_U64);
	add("queue.high_water", &design_isrqueue.high_water, BAKEOFF_U32);
	for (unsigned b = 0; b < BOARD_DEVICES; b++) {
		add(pushed_names[b], &design_isrqueue.pushed[b], BAKEOFF_U64);
		add(dropped_names[b], &design_isrqueue.dropped[b], BAKEOFF_U64);
		add(latency_names[b], &board_design_latency[b], BAKEOFF_HIST);
	}
}

void board_wire_bakeoff(void)
{
	if (!board_bakeoff)
		return;
	design_number = board_design;
	tsc_hz = board_lapic_alarm.tsc_hz;
	bakeoff_load_init(&load, &board_alarm_mux, board_console(), &hooks);
	add_figures();
	board_bakeoff_export = (struct bakeoff_export){
		.count = figure_count,
		.figures = figures,
		.hist_buckets = (uint64_t)LATENCY_HIST_BUCKETS,
		.hist_sub_bits = LATENCY_HIST_SUB_BITS,
	};
	memcpy(board_bakeoff_export.magic, BAKEOFF_EXPORT_MAGIC, sizeof(BAKEOFF_EXPORT_MAGIC));
	log_info("bakeoff: design %s, %u figures at %p", board_design_name(), figure_count,
		 (void *)&board_bakeoff_export);
}

void board_bakeoff_start(void)
{
	if (board_bakeoff)
		bakeoff_load_start(&load);
}
