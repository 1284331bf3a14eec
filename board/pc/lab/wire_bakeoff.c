/* The bake-off's wiring and figures (wire_bakeoff.h). */
#include "board/pc/lab/wire_bakeoff.h"

#include "board/pc/lab/design.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_timer.h"
#include "capsules/lab/bakeoff_load.h"
#include "chips/x86_64/lab/irq_handler.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "board/pc/lab/interrupts.h"
#include "capsules/lab/world_load.h"
#include "chips/x86_64/lab/hpet_nmi.h"
#include "chips/x86_64/lab/world.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/ioapic.h"
#include "chips/x86_64/uart16550.h"
#include "board/pc/interrupts.h"
#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/lab/isr_queue.h"
#include "kernel/log.h"
#include "kernel/string.h"

_Static_assert(BOARD_DEVICES <= CPU_IRQ_STAMPS && BIT_COM2 < CPU_IRQ_STAMPS,
	       "every device bit has a stamped top half's counters");

static struct bakeoff_load load;
static uint64_t design_number;
static uint64_t burn_split; /* 1: burn=split */
static uint64_t tsc_hz;

/* The outside world (option `world`): its plan, source and counts. */
bool board_world;
static bool com2_there, world_clock;
static struct world_plan world_plan;
static struct world_load world_load;
static struct world_source world_source;
static struct world_stats world_stats;

#define WORLD_KEYS 300
#define WORLD_KEY_RATE 80 /* keys a second */
#define WORLD_SERIAL_BYTES (UINT64_C(64) * 1024)
#define WORLD_BAUD 115200
#define WORLD_PS2_BYTES_PER_S 1000 /* 11 bits at 10-16.7 kHz: about 1 ms a byte */
#define WORLD_COM2 0x2f8
/* Half a byte time at 115200 baud (86.8 us): each byte goes out within
 * half a byte time of its due time, one a tick at most. */
#define WORLD_TICK_NS 43400
/* The sink's terminator again after this much quiet, while the sink has
 * not seen it (a design that overran COM2 lost some of it). Longer than
 * a long callback. */
#define WORLD_SERIAL_AGAIN_MS 30
#define COM2_ISA_IRQ 3

/* The keys and bytes a run sends can be cut (the options world_keys= and
 * world_bytes=) for a short run, as tests/e2e/test_bakeoff_repeat.py
 * makes. */
static uint64_t option_u64(const char *name, uint64_t fallback, uint64_t max)
{
	char value[16];
	uint64_t n = 0;

	if (!cmdline_value(name, value, sizeof(value)))
		return fallback;
	for (const char *c = value; *c; c++) {
		if (*c < '0' || *c > '9' || n > max) {
			log_warn("options: %s=%s is not a number up to %llu; using %llu", name,
				 value, (unsigned long long)max, (unsigned long long)fallback);
			return fallback;
		}
		n = n * 10 + (uint64_t)(*c - '0');
	}
	if (n > max) {
		log_warn("options: %s=%s is more than %llu; using %llu", name, value,
			 (unsigned long long)max, (unsigned long long)fallback);
		return fallback;
	}
	return n;
}

/* The line went quiet and the sink has not seen its terminator: again. */
static bool world_serial_again(void *ctx)
{
	(void)ctx;
	if (__atomic_load_n(&load.sink_done, __ATOMIC_ACQUIRE))
		return false;
	world_load_resend_terminator(&world_load);
	return true;
}

static void world_wire(void)
{
	uint64_t hz = board_lapic_alarm.tsc_hz;
	uint64_t keys = option_u64("world_keys", WORLD_KEYS, 100000);
	uint64_t bytes = option_u64("world_bytes", WORLD_SERIAL_BYTES, UINT64_C(1) << 24);

	world_load_init(&world_load, keys, bytes, BAKEOFF_TERMINATOR);
	world_source = (struct world_source){
		.ctx = &world_load,
		.next_key = world_load_next_key,
		.next_serial = com2_there ? world_load_next_serial : NULL,
		.serial_again = com2_there ? world_serial_again : NULL,
	};
	world_plan = (struct world_plan){
		.key_every = hz / WORLD_KEY_RATE,
		.ps2_byte = hz / WORLD_PS2_BYTES_PER_S,
		.serial_every = hz * 10 / WORLD_BAUD,
		.serial_again = hz / 1000 * WORLD_SERIAL_AGAIN_MS,
		.tick_ns = WORLD_TICK_NS,
		.serial_port = WORLD_COM2,
		.apic_id = (uint8_t)lapic_id(),
	};
	world_install_nmi();
	log_info("bakeoff: world: %llu keys at %u/s, %llu bytes into COM2 at %u baud, "
		 "paced by HPET NMIs every %u ns",
		 (unsigned long long)keys, WORLD_KEY_RATE, (unsigned long long)bytes, WORLD_BAUD,
		 WORLD_TICK_NS);
}

/* COM2, the world's serial line, driven by the design under test as any
 * 16550; its bytes go to the load's sink. */
static struct uart16550 com2;
static struct hil_uart com2_hil;

static void com2_received(void *ctx, const uint8_t *bytes, size_t n, unsigned errors)
{
	(void)ctx;
	(void)errors; /* overruns: counted by the driver (uart.overrun.com2) */
	bakeoff_load_serial(&load, bytes, n);
}

static const struct hil_uart_client com2_client = { .ctx = NULL, .received = com2_received };

static void com2_service(void *ctx)
{
	(void)ctx;
	if (com2_there)
		com2_hil.service(com2_hil.hw);
}

struct uart16550 *board_world_uart(void)
{
	return com2_there ? &com2 : NULL;
}

void board_wire_com2(void)
{
	loop_set_client(BIT_COM2, "com2", com2_service, NULL);
	if (!board_bakeoff || !board_world)
		return;
	const char *why = NULL;
	world_clock = hpet_nmi_probe(&why);
	if (!world_clock)
		log_warn("bakeoff: world: no clock for it: HPET at 0x%x: %s; the world is off",
			 HPET_NMI_BASE, why);
	com2_there = world_serial_init(WORLD_COM2);
	if (!com2_there) {
		log_warn("bakeoff: world: no COM2 at 0x%x (QEMU needs a second -serial)",
			 WORLD_COM2);
		return;
	}
	uart16550_init_irq(&com2, WORLD_COM2);
	uart16550_hil(&com2, &com2_hil);
	com2_hil.set_client(com2_hil.hw, &com2_client);
	ioapic_set_masked(board_route_isa_irq(COM2_ISA_IRQ, VEC_COM2), false);
}

/* Filled in board_wire_bakeoff(): some addresses exist only then. */
static struct bakeoff_figure figures[112];
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
	board_design_serial_hw = (struct serial_hw_model){
		.byte_cycles = tsc_hz * 10 / 115200, /* 10 bits a byte: start, 8 data, stop */
		.trigger = board_world ? WORLD_SERIAL_TRIGGER : UART16550_RX_TRIGGER,
	};
	for (unsigned i = 0; i < figure_count; i++)
		figures[i].at_start = value_now(&figures[i]);
	if (board_world && world_clock)
		world_start(&world_plan, &world_source, &world_stats);
}

/* The load is done: what the meters said then, so that the figures cover
 * exactly [load.started, load.finished] whatever runs after. */
static uint64_t idle_at_finish, sleeps_at_finish, world_at_finish;

static void finished(void *ctx)
{
	(void)ctx;
	idle_at_finish = irq_off_meter.idle_total;
	sleeps_at_finish = irq_off_meter.sleeps;
	world_at_finish = irq_off_meter_stolen_now();
	/* The figures stay as they are now, whenever the host stops the
	 * guest: the meter (windows, sleeps, latencies) stops, and the CPU
	 * may halt again. */
	__atomic_store_n(&irq_off_meter.on, false, __ATOMIC_RELEASE);
	irq_idle_spins = false;
}

static uint64_t interrupt_cycles(void *ctx)
{
	(void)ctx;
	return irq_handler_ticks;
}

/* in-ISR: the long computation runs with interrupts on (the loop calls
 * every callback with them off, since callbacks share the drivers' state
 * with the handlers; the burn's computation shares nothing). */
static void long_work(void *ctx, bool begin)
{
	(void)ctx;
	if (begin)
		arch_irq_enable();
	else
		arch_irq_disable();
}

static struct bakeoff_load_hooks hooks = {
	.ctx = NULL,
	.started = started,
	.interrupt_cycles = interrupt_cycles,
	.finished = finished,
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
	static const char *const entered_names[] = {
#define ENTERED_NAME(e, name, vector, bit, isa, cpu) [bit] = "irq.entered." name,
		BOARD_INTERRUPTS(ENTERED_NAME)
#undef ENTERED_NAME
	};
	static const char *const found_set_names[] = {
#define FOUND_SET_NAME(e, name, vector, bit, isa, cpu) [bit] = "irq.found_set." name,
		BOARD_INTERRUPTS(FOUND_SET_NAME)
#undef FOUND_SET_NAME
	};
	static const char *const serviced_names[] = {
#define SERVICED_NAME(e, name, vector, bit, isa, cpu) [bit] = "loop.serviced." name,
		BOARD_INTERRUPTS(SERVICED_NAME)
#undef SERVICED_NAME
	};
	const struct cpu *boot_cpu = arch_cpu(0);

	add("design", &design_number, BAKEOFF_U64);
	add("world.keys", &world_stats.keys, BAKEOFF_U64);
	add("world.key_bytes_sent", &world_stats.key_bytes_sent, BAKEOFF_U64);
	add("world.key_bytes_lost", &world_stats.key_bytes_lost, BAKEOFF_U64);
	add("world.serial_sent", &world_stats.serial_sent, BAKEOFF_U64);
	add("world.data_sent", &world_load.data_sent, BAKEOFF_U64);
	add("world.data_crc", &world_load.data_crc, BAKEOFF_U32);
	add("world.serial_again", &world_stats.serial_again, BAKEOFF_U64);
	add("world.steps", &world_stats.steps, BAKEOFF_U64);
	add("world.cycles", &irq_off_meter_stolen, BAKEOFF_U64);
	add("world.cycles_at_finish", &world_at_finish, BAKEOFF_U64);
	add("world.started", &world_stats.started, BAKEOFF_U64);
	add("world.stray_nmis", &world_stray_nmis, BAKEOFF_U64);
	add("com2.rx_bytes", &com2.stats.rx_bytes, BAKEOFF_U64);
	add("com2.overrun", &com2.stats.overrun, BAKEOFF_U64);
	add("world.late_max", &world_stats.late_max, BAKEOFF_U64);
	add("world.late_at", &world_stats.late_at, BAKEOFF_U64);
	add("world.done", &world_stats.done, BAKEOFF_U64);
	add("burn_split", &burn_split, BAKEOFF_U64);
	add("tsc_hz", &tsc_hz, BAKEOFF_U64);
	add("load.started", &load.started, BAKEOFF_U64);
	add("load.finished", &load.finished, BAKEOFF_U64);
	add("load.burns", &load.burns, BAKEOFF_U64);
	add("load.burn_cycles", &load.burn_cycles, BAKEOFF_U64);
	add("load.burn_irq_cycles", &load.burn_irq_cycles, BAKEOFF_U64);
	add("load.burn_units", &load.burn_units, BAKEOFF_U64);
	add("load.unit_cycles", &load.unit_cycles, BAKEOFF_U64);
	add("idle.at_finish", &idle_at_finish, BAKEOFF_U64);
	add("idle.sleeps_at_finish", &sleeps_at_finish, BAKEOFF_U64);
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
	add("hw.serial.lost", &board_design_serial_hw.lost, BAKEOFF_U64);
	add("hw.serial.full_reads", &board_design_serial_hw.full_reads, BAKEOFF_U64);
	add("hw.serial.worst_held", &board_design_serial_hw.worst_held, BAKEOFF_U64);
	add("queue.keyboard.high_water", &design_isrqueue_keyboard.high_water, BAKEOFF_U32);
	add("queue.keyboard.pushed", &design_isrqueue_keyboard.pushed, BAKEOFF_U64);
	add("queue.keyboard.dropped", &design_isrqueue_keyboard.dropped, BAKEOFF_U64);
	add("queue.keyboard.throttles", &design_isrqueue_keyboard.throttles, BAKEOFF_U64);
	add("queue.com1.high_water", &design_isrqueue_com1.high_water, BAKEOFF_U32);
	add("queue.com1.pushed", &design_isrqueue_com1.pushed, BAKEOFF_U64);
	add("queue.com1.dropped", &design_isrqueue_com1.dropped, BAKEOFF_U64);
	add("queue.com1.throttles", &design_isrqueue_com1.throttles, BAKEOFF_U64);
	add("queue.com2.high_water", &design_isrqueue_com2.high_water, BAKEOFF_U32);
	add("queue.com2.dropped", &design_isrqueue_com2.dropped, BAKEOFF_U64);
	add("queue.com2.throttles", &design_isrqueue_com2.throttles, BAKEOFF_U64);
	/* COM2, the outside world's serial line (a lab row). */
	add("latency.com2", &board_design_latency[BIT_COM2], BAKEOFF_HIST);
	add("loop.serviced.com2", &boot_cpu->serviced[BIT_COM2], BAKEOFF_U64);
	add("irq.entered.com2", &boot_cpu->irq_entered[BIT_COM2], BAKEOFF_U64);
	add("irq.found_set.com2", &boot_cpu->irq_found_set[BIT_COM2], BAKEOFF_U64);
	for (unsigned b = 0; b < BOARD_DEVICES; b++) {
		add(latency_names[b], &board_design_latency[b], BAKEOFF_HIST);
		add(serviced_names[b], &boot_cpu->serviced[b], BAKEOFF_U64);
		/* Counted by the stamped top halves (knock, stubs=stamped). */
		add(entered_names[b], &boot_cpu->irq_entered[b], BAKEOFF_U64);
		add(found_set_names[b], &boot_cpu->irq_found_set[b], BAKEOFF_U64);
	}
}

void board_wire_bakeoff(void)
{
	char value[8];

	if (!board_bakeoff)
		return;
	design_number = board_design;
	tsc_hz = board_lapic_alarm.tsc_hz;
	if (board_design == BOARD_DESIGN_INISR)
		hooks.long_work = long_work;
	if (board_world)
		world_wire();
	bakeoff_load_init(&load, &board_alarm_mux, board_console(), &hooks);
	if (board_world) {
		bakeoff_load_external_serial(&load);
		board_design_serial_bit = BIT_COM2;
	}
	if (cmdline_value("burn", value, sizeof(value))) {
		if (!strcmp(value, "split")) {
			bakeoff_load_split(&load);
			burn_split = 1;
		} else if (strcmp(value, "whole") != 0) {
			log_warn("options: burn=%s is not whole or split; using whole", value);
		}
	}
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
