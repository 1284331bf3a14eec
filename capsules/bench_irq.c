/* bench_irq (see bench_irq.h): timer wake-ups and idle wake-ups, measured
 * with one alarm that goes through the phases in turn. */
#include "capsules/bench_irq.h"
#include "kernel/fmt.h"
#include "kernel/log.h"

#define LINE_MAX 160

static void set_alarm_ms(struct bench_irq *b, uint64_t ms)
{
	alarm_set_oneshot(b->mux, &b->alarm, alarm_mux_ms_to_ticks(b->mux, ms));
}

static int format_idle(const struct bench_irq *b, char *buf, size_t cap)
{
	if (b->phase == BENCH_IRQ_NOT_STARTED)
		return ksnprintf(buf, cap,
				 "idle_wakeups_per_s not measured: the boot option bench runs it");
	if (b->phase != BENCH_IRQ_DONE)
		return ksnprintf(buf, cap, "idle_wakeups_per_s not measured yet: still running");
	/* The interval's own alarm woke the CPU once; the rest is what an
	 * idle knock does uninvited. Milli-wake-ups per second, in integers. */
	uint64_t extra = b->idle_wakeups ? b->idle_wakeups - 1 : 0;
	uint64_t us = b->idle_interval_us ? b->idle_interval_us : 1;
	uint64_t milli = extra * 1000000000ull / us;
	return ksnprintf(buf, cap,
			 "idle_wakeups_per_s rate=%llu.%03llu wakeups=%llu own=1 interval_us=%llu "
			 "timer_rounds=%llu",
			 (unsigned long long)(milli / 1000), (unsigned long long)(milli % 1000),
			 (unsigned long long)b->idle_wakeups, (unsigned long long)us,
			 (unsigned long long)b->idle_timer_rounds);
}

static void log_line(void *arg, const char *text)
{
	(void)arg;
	log_info("bench: %s", text);
}

static void fired(void *ctx, struct alarm *a)
{
	struct bench_irq *b = ctx;
	char line[LINE_MAX];

	(void)a;
	switch (b->phase) {
	case BENCH_IRQ_SETTLING:
		/* The boot's output is out: from here on the CPU sleeps
		 * between alarms, so each one is an idle wake. */
		if (b->timer_wake)
			probe_reset(b->timer_wake);
		b->phase = BENCH_IRQ_WAKING;
		b->wakes_left = BENCH_IRQ_WAKES;
		set_alarm_ms(b, BENCH_IRQ_WAKE_GAP_MS);
		return;
	case BENCH_IRQ_WAKING:
		if (--b->wakes_left) {
			set_alarm_ms(b, BENCH_IRQ_WAKE_GAP_MS);
			return;
		}
		/* Nothing printed since the settle: the idle interval can
		 * start at once, with only its own alarm armed. */
		b->phase = BENCH_IRQ_IDLE;
		b->idle_start_wakeups = probe_cpu_wakeups();
		b->idle_start_rounds = b->mux->stats.rounds;
		b->idle_start_ticks = alarm_mux_now(b->mux);
		set_alarm_ms(b, BENCH_IRQ_IDLE_MS);
		return;
	case BENCH_IRQ_IDLE:
		b->idle_wakeups = probe_cpu_wakeups() - b->idle_start_wakeups;
		b->idle_timer_rounds = b->mux->stats.rounds - b->idle_start_rounds;
		b->idle_interval_us =
			alarm_mux_ticks_to_us(b->mux, alarm_mux_now(b->mux) - b->idle_start_ticks);
		b->phase = BENCH_IRQ_DONE;
		if (b->timer_wake) {
			probe_format(b->timer_wake, line, sizeof(line));
			log_line(NULL, line);
		}
		format_idle(b, line, sizeof(line));
		log_line(NULL, line);
		return;
	default:
		return;
	}
}

void bench_irq_init(struct bench_irq *b, struct alarm_mux *mux, struct probe *keystroke,
		    struct probe *timer_wake)
{
	*b = (struct bench_irq){ .mux = mux, .keystroke = keystroke, .timer_wake = timer_wake };
	alarm_init(&b->alarm, "bench_irq", fired, b);
}

void bench_irq_start(struct bench_irq *b)
{
	b->phase = BENCH_IRQ_SETTLING;
	set_alarm_ms(b, BENCH_IRQ_SETTLE_MS);
}

void bench_irq_report(const struct bench_irq *b, void (*line)(void *arg, const char *text),
		      void *arg)
{
	char text[LINE_MAX];

	if (b->keystroke)
		probe_format(b->keystroke, text, sizeof(text));
	else
		ksnprintf(text, sizeof(text), "keystroke_instructions not measured: no probe");
	line(arg, text);
	if (b->timer_wake)
		probe_format(b->timer_wake, text, sizeof(text));
	else
		ksnprintf(text, sizeof(text), "timer_wake_latency not measured: no probe");
	line(arg, text);
	format_idle(b, text, sizeof(text));
	line(arg, text);
}
