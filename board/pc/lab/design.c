/*
 * The pc board's interrupt designs (design.h, docs/bakeoff.md): where each
 * device's driver runs, and, with the bakeoff option, the measurements.
 */
#include "board/pc/lab/design.h"

#include "board/pc/wire_console.h"
#include "board/pc/wire_smp.h"
#include "board/pc/wire_timer.h"
#include "kernel/lab/irq_stamps.h"
#include "kernel/lab/loop_guarded.h"
#include "chips/x86_64/lab/irq_handler.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "kernel/arch.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/string.h"

enum board_design board_design = BOARD_DESIGN_KNOCK;
bool board_bakeoff;
struct latency_hist board_design_latency[DESIGN_BITS];
unsigned board_design_serial_bit = BIT_COM1;

static const char *const design_names[] = {
	[BOARD_DESIGN_KNOCK] = "knock",
	[BOARD_DESIGN_INISR] = "inisr",
	[BOARD_DESIGN_ISRQUEUE] = "isrqueue",
};

/* One per device bit: its driver, and what the design needs to call it. */
struct device_slot {
	const char *client;
	loop_client_fn fn;
	void *ctx;
	unsigned bit;
	unsigned vector;
	uint64_t entered_seen; /* knock: irq_entered already measured */
};

static struct device_slot slots[DESIGN_BITS];

static const uint8_t vector_of_bit[DESIGN_BITS] = {
#define BOARD_VECTOR_OF_BIT(e, name, vector, bit, isa, cpu) [(bit)] = (vector),
	BOARD_INTERRUPTS(BOARD_VECTOR_OF_BIT)
#undef BOARD_VECTOR_OF_BIT
		[BIT_COM2] = VEC_COM2,
};

void board_design_init(void)
{
	char value[16];

	board_bakeoff = cmdline_has("bakeoff");
	board_world = cmdline_has("world");
	if (!cmdline_value("design", value, sizeof(value)))
		return;
	for (unsigned d = 0; d < sizeof(design_names) / sizeof(design_names[0]); d++) {
		if (!strcmp(value, design_names[d])) {
			board_design = (enum board_design)d;
			return;
		}
	}
	log_warn("options: design=%s is not knock, inisr or isrqueue; using knock", value);
}

const char *board_design_name(void)
{
	return design_names[board_design];
}

struct serial_hw_model board_design_serial_hw;

#define UART_FIFO 16
/* A read that found the FIFO this full means the line was streaming (the
 * model's work, done in some designs' handlers, is for those reads only). */
#define STREAMING_READ 14

void board_design_serial_read(uint64_t first_irq, uint64_t began, uint64_t bytes, uint64_t ended,
			      bool emptied)
{
	struct serial_hw_model *m = &board_design_serial_hw;
	uint64_t bt = m->byte_cycles;

	if (board_bakeoff && bt && bytes >= STREAMING_READ && m->stopped) {
		uint64_t from = m->stopped;
		if (m->emptied) {
			uint64_t lead = (m->trigger - 1) * bt;
			uint64_t by_irq = first_irq > lead ? first_irq - lead : 0;
			if ((int64_t)(by_irq - from) > 0)
				from = by_irq;
		}
		uint64_t held = (int64_t)(began - from) > 0 ? began - from : 0;
		uint64_t arrived = held / bt;
		m->full_reads++;
		if (held > m->worst_held)
			m->worst_held = held;
		if (arrived > UART_FIFO)
			m->lost += arrived - UART_FIFO;
	}
	m->stopped = ended;
	m->emptied = emptied;
}

struct uart16550 *board_design_uart(unsigned bit)
{
	if (bit == BIT_COM1)
		return board_uart();
	if (bit == BIT_COM2)
		return board_world_uart();
	return NULL;
}

void board_design_latency_add(unsigned bit, uint64_t cycles)
{
	/* While the meter runs: from the load's start to its finish. */
	if (board_bakeoff && irq_off_meter.on && bit < DESIGN_BITS)
		latency_hist_add(&board_design_latency[bit], cycles);
}

/* --- knock, measured ------------------------------------------------------ */

/*
 * The CPU slept and an interrupt woke it: the stamped top halves wrote the
 * TSC at their entry, and the earliest stamp since the sleep began is the
 * wake-up (the loop always answers a device bit first after a wake-up:
 * device bits are the lowest).
 */
static void knock_note_wake(const struct cpu *cpu)
{
	uint64_t asleep = irq_off_meter.idle_since;
	uint64_t woke = 0;

	if (!asleep)
		return;
	for (unsigned b = 0; b < DESIGN_BITS && b < CPU_IRQ_STAMPS; b++) {
		uint64_t s = cpu->irq_stamp[b];
		if ((int64_t)(s - asleep) > 0 && (!woke || s < woke))
			woke = s;
	}
	irq_off_meter_woke(woke ? woke : arch_cycles());
}

/*
 * The loop client of a device bit under design=knock with bakeoff: the
 * driver, then one latency sample per interrupt the service answered, as
 * the other designs take one per handler entry. The stamped top halves
 * count entries and keep the first and the last entry's TSC since the
 * bit was set (irq_entered, irq_first, irq_stamp); an interrupt during the
 * driver is the next service's. The first and the last are exact; those
 * in between are dated at the first (an upper bound: the CPU recorded
 * only the two ends).
 */
static void knock_timed(void *ctx)
{
	struct device_slot *s = ctx;
	struct cpu *cpu = arch_this_cpu();
	unsigned bit = s->bit;
	struct irq_stamps st = irq_stamps_read(cpu, bit);
	uint64_t entered = st.entered, first = st.first, last = st.last;

	knock_note_wake(cpu);
	struct uart16550 *u = bit == board_design_serial_bit ? board_design_uart(bit) : NULL;
	uint64_t began = arch_cycles();
	uint64_t rx = u ? u->stats.rx_bytes : 0;
	s->fn(s->ctx);
	uint64_t end = arch_cycles();
	if (u)
		board_design_serial_read(first, began, u->stats.rx_bytes - rx, end, true);
	uint64_t n = entered - s->entered_seen;
	s->entered_seen = entered;
	for (uint64_t i = 0; i < n; i++)
		board_design_latency_add(bit, end - (i + 1 == n && i ? last : first));
}

/* --- the C handlers of the other designs ---------------------------------- */

/*
 * When interrupt `bit` arrived: what the handler was told (`since`: its
 * entry, or the start of the interrupts-off stretch that held it), except
 * for the timer, whose interrupt is due at its deadline: exact. (QEMU under
 * -icount does not even raise the LAPIC timer's interrupt while a long
 * stretch keeps interrupts off, only once they are back on, so no entry
 * time could show that wait.) A deadline after `since` is an early firing
 * (the 32-bit count, lapic_alarm.c): then `since` stands.
 */
static uint64_t arrival(unsigned bit, uint64_t since)
{
	if (bit == BIT_TIMER) {
		uint64_t deadline = board_lapic_alarm.armed_deadline;
		if ((int64_t)(since - deadline) > 0)
			return deadline;
	}
	return since;
}

/* in-ISR: the whole driver in the handler, interrupts off (interrupt gate). */
static void inisr_handler(void *ctx, uint64_t since)
{
	struct device_slot *s = ctx;
	uint64_t arrived = arrival(s->bit, since);
	struct uart16550 *u = s->bit == board_design_serial_bit ? board_design_uart(s->bit) : NULL;
	uint64_t began = arch_cycles();
	uint64_t rx = u ? u->stats.rx_bytes : 0;

	s->fn(s->ctx);
	uint64_t end = arch_cycles();
	if (u)
		board_design_serial_read(arrived, began, u->stats.rx_bytes - rx, end, true);
	board_design_latency_add(s->bit, end - arrived);
}

/* ISR-queue: the handler only reads the device's events into the queue. */
static void isrqueue_handler(void *ctx, uint64_t since)
{
	const struct device_slot *s = ctx;

	design_isrqueue_read(s->bit, arrival(s->bit, since));
}

/* Take over device `bit`'s driver, as the board wired it, for the design. */
static void reroute(unsigned bit)
{
	loop_client_fn fn = loop_slot_client_fn(bit);
	struct device_slot *s = &slots[bit];

	if (!fn)
		panic("design: device bit %u (%s) has no client to run", bit, loop_slot_name(bit));
	*s = (struct device_slot){ .client = loop_slot_client(bit),
				   .fn = fn,
				   .ctx = loop_slot_ctx(0, bit),
				   .bit = bit,
				   .vector = vector_of_bit[bit] };
	switch (board_design) {
	case BOARD_DESIGN_KNOCK:
		if (board_bakeoff && bit < CPU_IRQ_STAMPS)
			loop_replace_client(bit, s->client, knock_timed, s);
		return;
	case BOARD_DESIGN_INISR:
		/* The wiring's own knocks (a first drain at start-up) still come
		 * through the loop, which runs them with interrupts off. */
		irq_handler_set(s->vector, inisr_handler, s);
		return;
	case BOARD_DESIGN_ISRQUEUE:
		irq_handler_set(s->vector, isrqueue_handler, s);
		loop_replace_client(bit, s->client, design_isrqueue_drain, &s->bit);
		return;
	}
	/* A design this switch does not know would leave the device to
	 * knock's own path without saying so. */
	panic("design: %u is not a design", (unsigned)board_design);
}

void board_design_wire(void)
{
	if (board_design == BOARD_DESIGN_ISRQUEUE)
		design_isrqueue_init();
	for (unsigned bit = 0; bit < DESIGN_BITS; bit++)
		if (design_device_bit(bit))
			reroute(bit);
	if (board_design != BOARD_DESIGN_KNOCK || board_bakeoff)
		board_limit_cpus(1, board_bakeoff ? "the bakeoff option measures the boot cpu" :
						    "the design's handlers serve the boot cpu");
}

void board_design_prepare(void)
{
	if (board_design != BOARD_DESIGN_KNOCK) {
		irq_handler_calibrate();
		log_info("design: %s: device interrupts run C handlers (slow stubs: %llu "
			 "instructions before C, %llu after)",
			 board_design_name(), (unsigned long long)irq_handler_costs.entry,
			 (unsigned long long)irq_handler_costs.exit);
	}
	if (board_design == BOARD_DESIGN_ISRQUEUE) {
		/* Anything a device raised while its line was still masked at
		 * the IOAPIC (a key, the UART's transmit-empty) made an edge
		 * nobody saw; read every device once, as its handler would. */
		for (unsigned bit = 0; bit < DESIGN_BITS; bit++)
			if (design_device_bit(bit) && slots[bit].fn)
				design_isrqueue_read(bit, arch_cycles());
	}
}

_Noreturn void board_design_loop(void)
{
	if (board_design == BOARD_DESIGN_INISR)
		loop_run_guarded();
	loop_run();
}
