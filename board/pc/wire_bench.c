/* The pc board's interrupt benchmarks (wire_bench.h). */
#include "board/pc/wire_bench.h"

#include "board/pc/interrupts.h"
#include "board/pc/options.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_timer.h"
#include "capsules/bench_irq.h"
#include "chips/x86_64/top_halves.h"
#include "kernel/probe.h"

static struct probe keystroke_probe;
static struct probe timer_wake_probe;
static struct bench_irq bench_irq;

void board_wire_bench(void)
{
	probe_init(&keystroke_probe, "keystroke_instructions", BIT_KEYBOARD);
	probe_init(&timer_wake_probe, "timer_wake_latency", BIT_TIMER);
	/* With the plain top halves nothing is stamped: leave the capsules'
	 * hot paths without a probe at all. */
	if (top_halves_stamped()) {
		console_set_key_echo_probe(board_console(), &keystroke_probe);
		alarm_mux_set_wake_probe(&board_alarm_mux, &timer_wake_probe);
	}
	bench_irq_init(&bench_irq, &board_alarm_mux, &keystroke_probe, &timer_wake_probe);
}

void board_bench_start(void)
{
	if (board_option_bench)
		bench_irq_start(&bench_irq);
}

void board_bench_report(void (*line)(void *arg, const char *text), void *arg)
{
	bench_irq_report(&bench_irq, line, arg);
}
