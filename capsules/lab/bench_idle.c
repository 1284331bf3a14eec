/* bench_idle (see bench_idle.h): one alarm that goes through the phases. */
#include "capsules/lab/bench_idle.h"
#include "kernel/fmt.h"
#include "kernel/lab/cpu_counters.h"
#include "kernel/log.h"

#define LINE_MAX 160

static void set_alarm_ms(struct bench_idle *b, uint64_t ms)
{
	alarm_set_oneshot(b->mux, &b->alarm, alarm_mux_ms_to_ticks(b->mux, ms));
}

int bench_idle_format(const struct bench_idle *b, char *buf, size_t cap)
{
	if (b->phase == BENCH_IDLE_NOT_STARTED)
		return ksnprintf(buf, cap,
				 "idle_wakeups_per_s not measured: the boot option bench runs it");
	if (b->phase != BENCH_IDLE_DONE)
		return ksnprintf(buf, cap, "idle_wakeups_per_s not measured yet: still running");
	/* The interval's own alarm woke the CPU once; the rest is what an
	 * idle knock does uninvited. Milli-wake-ups per second, in integers. */
	uint64_t extra = b->wakeups ? b->wakeups - 1 : 0;
	uint64_t us = b->interval_us ? b->interval_us : 1;
	uint64_t milli = extra * 1000000000ull / us;
	return ksnprintf(buf, cap,
			 "idle_wakeups_per_s rate=%llu.%03llu wakeups=%llu own=1 interval_us=%llu "
			 "timer_rounds=%llu",
			 (unsigned long long)(milli / 1000), (unsigned long long)(milli % 1000),
			 (unsigned long long)b->wakeups, (unsigned long long)us,
			 (unsigned long long)b->timer_rounds);
}

static void fired(void *ctx, struct alarm *a)
{
	struct bench_idle *b = ctx;
	char line[LINE_MAX];

	(void)a;
	switch (b->phase) {
	case BENCH_IDLE_SETTLING:
		/* The boot's output is out: the interval starts with only its
		 * own alarm armed. */
		b->phase = BENCH_IDLE_MEASURING;
		b->start_wakeups = lab_cpu_wakeups();
		b->start_rounds = b->mux->stats.rounds;
		b->start_ticks = alarm_mux_now(b->mux);
		set_alarm_ms(b, BENCH_IDLE_MS);
		return;
	case BENCH_IDLE_MEASURING:
		b->wakeups = lab_cpu_wakeups() - b->start_wakeups;
		b->timer_rounds = b->mux->stats.rounds - b->start_rounds;
		b->interval_us =
			alarm_mux_ticks_to_us(b->mux, alarm_mux_now(b->mux) - b->start_ticks);
		b->phase = BENCH_IDLE_DONE;
		bench_idle_format(b, line, sizeof(line));
		log_info("bench: %s", line);
		return;
	default:
		return;
	}
}

void bench_idle_init(struct bench_idle *b, struct alarm_mux *mux)
{
	*b = (struct bench_idle){ .mux = mux };
	alarm_init(&b->alarm, "bench_idle", fired, b);
}

void bench_idle_start(struct bench_idle *b)
{
	b->phase = BENCH_IDLE_SETTLING;
	set_alarm_ms(b, BENCH_IDLE_SETTLE_MS);
}
