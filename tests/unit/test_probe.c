/*
 * Interrupt latency probes (kernel/probe.h), where the capsules mark them
 * (console: a keyboard key's echo queued; alarm mux: before an alarm's
 * callback), and the bench_irq capsule's timer-wake and idle measurements.
 *
 * The fake arch plays the CPU: a test writes fake_cpu.irq_stamp[bit] as a
 * stamped top half would and sets fake_cycles, which arch_cycles() returns
 * (plus one), so every expected latency is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/alarm_mux.h"
#include "capsules/bench_irq.h"
#include "capsules/console.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/probe.h"
#include "fake_alarm.h"
#include "fake_arch.h"

#define BIT 3
#define TPS UINT64_C(1000000000) /* 1 GHz: 1 tick = 1 ns */

static struct probe probe;

static char logged[8192];
static size_t logged_len;

static void capture(const char *s, size_t n)
{
	assert_true(logged_len + n < sizeof(logged));
	memcpy(logged + logged_len, s, n);
	logged_len += n;
	logged[logged_len] = '\0';
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	log_remove_all_sinks();
	log_add_sink(capture);
	logged_len = 0;
	logged[0] = '\0';
	probe_init(&probe, "test_probe", BIT);
	return 0;
}

/* A stamped top half ran at `stamp`; the mark reads the clock at `now`. */
static void interrupt_at(unsigned bit, uint64_t stamp)
{
	fake_cpu.irq_stamp[bit] = stamp;
}

static void mark_at(struct probe *p, uint64_t now)
{
	fake_cycles = now - 1; /* arch_cycles() pre-increments */
	probe_mark(p);
}

/* --- layout ------------------------------------------------------------- */

/* The generated stamped stubs store at [gs:CPU_IRQ_STAMP_OFFSET + 8 * bit],
 * and the plain ones set bits at [gs:0]. */
static void test_layout_matches_what_the_stubs_use(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct cpu, pending), CPU_PENDING_OFFSET);
	assert_int_equal(offsetof(struct cpu, irq_stamp), CPU_IRQ_STAMP_OFFSET);
	assert_int_equal(sizeof(((struct cpu *)0)->irq_stamp), 8 * CPU_IRQ_STAMPS);
}

/* --- the probe ------------------------------------------------------------ */

static void test_nothing_stamped_records_nothing(void **state)
{
	(void)state;
	mark_at(&probe, 1000);
	mark_at(&probe, 2000);
	assert_int_equal(probe.count, 0);
}

static void test_one_sample_per_interrupt(void **state)
{
	struct probe_summary s;

	(void)state;
	interrupt_at(BIT, 1000);
	mark_at(&probe, 1100);
	mark_at(&probe, 1500); /* same interrupt, marked again: ignored */
	assert_int_equal(probe.count, 1);
	interrupt_at(BIT, 2000);
	mark_at(&probe, 2040);
	interrupt_at(BIT, 3000);
	mark_at(&probe, 3070);
	probe_summarize(&probe, &s);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.min, 40);
	assert_int_equal(s.median, 70);
	assert_int_equal(s.max, 100);
}

static void test_other_bits_do_not_count(void **state)
{
	(void)state;
	interrupt_at(BIT + 1, 500);
	mark_at(&probe, 600);
	assert_int_equal(probe.count, 0);
}

static void test_median_of_the_kept_samples_min_max_of_all(void **state)
{
	struct probe_summary s;

	(void)state;
	for (uint64_t i = 0; i < PROBE_KEPT; i++) {
		interrupt_at(BIT, 10000 * (i + 1));
		mark_at(&probe, 10000 * (i + 1) + 100 + i); /* 100 .. 100 + KEPT - 1 */
	}
	interrupt_at(BIT, 99000000);
	mark_at(&probe, 99000005); /* past the kept ones: min and count only */
	probe_summarize(&probe, &s);
	assert_int_equal(s.count, PROBE_KEPT + 1);
	assert_int_equal(s.min, 5);
	assert_int_equal(s.max, 100 + PROBE_KEPT - 1);
	assert_int_equal(s.median, 100 + PROBE_KEPT / 2);
}

static void test_reset_forgets_and_skips_the_current_stamp(void **state)
{
	(void)state;
	interrupt_at(BIT, 1000);
	mark_at(&probe, 1010);
	interrupt_at(BIT, 2000);
	probe_reset(&probe);
	mark_at(&probe, 2900); /* that interrupt predates the reset */
	assert_int_equal(probe.count, 0);
	interrupt_at(BIT, 3000);
	mark_at(&probe, 3020);
	assert_int_equal(probe.count, 1);
	assert_int_equal(probe.min, 20);
}

static void test_format(void **state)
{
	char buf[128];

	(void)state;
	probe_format(&probe, buf, sizeof(buf));
	assert_string_equal(buf, "test_probe not measured: no sample (boot with stubs=stamped)");
	interrupt_at(BIT, 1000);
	mark_at(&probe, 1042);
	probe_format(&probe, buf, sizeof(buf));
	assert_string_equal(buf, "test_probe min=42 median=42 max=42 samples=1");
}

static void test_a_bit_without_a_stamp_slot_panics(void **state)
{
	struct probe p;

	(void)state;
	expect_assert_failure(probe_init(&p, "too high", CPU_IRQ_STAMPS));
}

/* --- the alarm mux marks before the callback -------------------------------- */

static struct fake_alarm hw;
static struct alarm_mux mux;
static uint64_t count_seen_by_callback[4];
static unsigned callbacks;

static void alarm_cb(void *ctx, struct alarm *a)
{
	(void)ctx;
	(void)a;
	count_seen_by_callback[callbacks++] = probe.count;
}

static void timer_knock_at(uint64_t t)
{
	fake_alarm_knock(&hw);
	hw.now = t;
	interrupt_at(BIT, t);
	fake_cycles = t + 90; /* the mux's service starts 90 cycles later */
	alarm_mux_service(&mux);
}

static void test_alarm_mux_marks_before_the_first_callback_of_a_round(void **state)
{
	struct alarm a, b;

	(void)state;
	callbacks = 0;
	fake_alarm_init(&hw, TPS, 0);
	alarm_mux_init(&mux, &hw.hil);
	alarm_mux_set_wake_probe(&mux, &probe);
	alarm_init(&a, "a", alarm_cb, NULL);
	alarm_init(&b, "b", alarm_cb, NULL);
	alarm_set_oneshot(&mux, &a, 1000);
	alarm_set_oneshot(&mux, &b, 1000);
	timer_knock_at(1000);
	assert_int_equal(callbacks, 2);
	assert_int_equal(count_seen_by_callback[0], 1); /* marked before it ran */
	assert_int_equal(probe.count, 1);               /* one interrupt, one sample */
	assert_true(probe.min > 90 && probe.min < 90 + 20);
}

static void test_alarm_mux_without_a_probe_marks_nothing(void **state)
{
	struct alarm a;

	(void)state;
	callbacks = 0;
	fake_alarm_init(&hw, TPS, 0);
	alarm_mux_init(&mux, &hw.hil);
	alarm_init(&a, "a", alarm_cb, NULL);
	alarm_set_oneshot(&mux, &a, 1000);
	timer_knock_at(1000);
	assert_int_equal(callbacks, 1);
	assert_int_equal(probe.count, 0);
}

/* --- the console marks when a keyboard key's echo is queued ----------------- */

static struct console con;
static unsigned transmits;

static void uart_set_client(void *hw_, const struct hil_uart_client *client)
{
	(void)hw_;
	(void)client;
}

/* Takes every buffer and never finishes: the ring just fills. */
static int uart_transmit(void *hw_, const uint8_t *buf, size_t len)
{
	(void)hw_;
	(void)buf;
	(void)len;
	transmits++;
	return 0;
}

static void uart_service(void *hw_)
{
	(void)hw_;
}

static const struct hil_uart uart = {
	.hw = NULL,
	.set_client = uart_set_client,
	.transmit = uart_transmit,
	.service = uart_service,
};

static char line[LINE_MAX_CHARS + 1];

static void on_line(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static const struct console_line_client reader = { .ctx = NULL, .line = on_line };

static void key_event_at(uint64_t stamp, char ascii, bool pressed)
{
	struct key_event ev = { .code = KEY_NONE, .pressed = pressed, .ascii = (uint8_t)ascii };

	interrupt_at(BIT, stamp);
	fake_cycles = stamp + 500;
	console_keyboard_key(&con, &ev);
}

static void console_setup(void)
{
	transmits = 0;
	console_init(&con, &uart, NULL);
	console_set_key_echo_probe(&con, &probe);
}

static void test_console_marks_a_keyboard_keys_echo(void **state)
{
	(void)state;
	console_setup();
	assert_int_equal(console_read_line(&con, "> ", line, sizeof(line), &reader), 0);
	size_t before = con.head;
	key_event_at(10000, 'x', true);
	assert_true(con.head > before); /* the echo was queued */
	assert_int_equal(probe.count, 1);
	assert_true(probe.min > 500 && probe.min < 500 + 200);
	key_event_at(20000, 'x', false); /* a release echoes nothing */
	assert_int_equal(probe.count, 1);
}

static void test_console_does_not_mark_serial_input_or_typed_ahead_keys(void **state)
{
	(void)state;
	console_setup();
	/* No read outstanding: the key waits in the queue, no echo yet. */
	key_event_at(10000, 'y', true);
	assert_int_equal(probe.count, 0);
	/* Its echo comes from the console's deferred call, not the key. */
	assert_int_equal(console_read_line(&con, "> ", line, sizeof(line), &reader), 0);
	interrupt_at(BIT, 20000);
	for (int i = 0; i < 10 && loop_round(&fake_cpu); i++)
		;
	assert_int_equal(probe.count, 0);
	/* Serial input echoes without a mark. */
	console_input_key(&con, (struct line_input){ .key = LINE_KEY_CHAR, .ch = 'z' });
	assert_int_equal(probe.count, 0);
}

/* --- bench_irq: settle, wakes, idle interval ------------------------------ */

static struct bench_irq bench;
static char report[3][200];
static unsigned report_lines;

static void collect(void *arg, const char *t)
{
	(void)arg;
	assert_true(report_lines < 3);
	snprintf(report[report_lines++], sizeof(report[0]), "%s", t);
}

static void run_report(void)
{
	report_lines = 0;
	bench_irq_report(&bench, collect, NULL);
	assert_int_equal(report_lines, 3);
}

/* Play the loop: the CPU sleeps until the armed deadline, the stamped
 * timer stub runs there, the loop wakes (one wake-up) and serves the
 * timer bit 80 cycles later. */
static void sleep_until_alarm(void)
{
	assert_true(hw.armed);
	fake_cpu.wakeups++;
	timer_knock_at(hw.deadline);
}

static void test_bench_irq_measures_wakes_and_idle_then_logs(void **state)
{
	(void)state;
	fake_alarm_init(&hw, TPS, 0);
	alarm_mux_init(&mux, &hw.hil);
	alarm_mux_set_wake_probe(&mux, &probe);
	bench_irq_init(&bench, &mux, NULL, &probe);
	bench_irq_start(&bench);
	assert_int_equal(hw.deadline, BENCH_IRQ_SETTLE_MS * 1000000ull);
	sleep_until_alarm(); /* settle: its sample is forgotten */
	for (unsigned i = 0; i < BENCH_IRQ_WAKES; i++)
		sleep_until_alarm();
	assert_int_equal(bench.phase, BENCH_IRQ_IDLE);
	assert_null(strstr(logged, "bench:"));
	/* Two interrupts nobody asked for during the idle second. */
	fake_cpu.wakeups += 2;
	sleep_until_alarm();
	assert_int_equal(bench.phase, BENCH_IRQ_DONE);
	assert_false(hw.armed); /* tickless again */

	/* The 64 wakes and the idle interval's alarm, each 91 cycles from
	 * its stamp (the service started 90 later, the mark's clock read +1). */
	assert_non_null(strstr(logged, "bench: test_probe min=91 median=91 max=91 samples=65\n"));
	assert_non_null(strstr(logged, "bench: idle_wakeups_per_s rate=2.000 wakeups=3 own=1 "
				       "interval_us=1000000 timer_rounds=1\n"));

	run_report();
	assert_string_equal(report[0], "keystroke_instructions not measured: no probe");
	assert_string_equal(report[1], "test_probe min=91 median=91 max=91 samples=65");
	assert_non_null(strstr(report[2], "idle_wakeups_per_s rate=2.000"));
}

static void test_bench_irq_report_before_the_run(void **state)
{
	(void)state;
	fake_alarm_init(&hw, TPS, 0);
	alarm_mux_init(&mux, &hw.hil);
	bench_irq_init(&bench, &mux, &probe, NULL);
	run_report();
	assert_string_equal(report[0],
			    "test_probe not measured: no sample (boot with stubs=stamped)");
	assert_string_equal(report[1], "timer_wake_latency not measured: no probe");
	assert_string_equal(report[2],
			    "idle_wakeups_per_s not measured: the boot option bench runs it");
	bench_irq_start(&bench);
	run_report();
	assert_string_equal(report[2], "idle_wakeups_per_s not measured yet: still running");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout_matches_what_the_stubs_use, setup),
		cmocka_unit_test_setup(test_nothing_stamped_records_nothing, setup),
		cmocka_unit_test_setup(test_one_sample_per_interrupt, setup),
		cmocka_unit_test_setup(test_other_bits_do_not_count, setup),
		cmocka_unit_test_setup(test_median_of_the_kept_samples_min_max_of_all, setup),
		cmocka_unit_test_setup(test_reset_forgets_and_skips_the_current_stamp, setup),
		cmocka_unit_test_setup(test_format, setup),
		cmocka_unit_test_setup(test_a_bit_without_a_stamp_slot_panics, setup),
		cmocka_unit_test_setup(test_alarm_mux_marks_before_the_first_callback_of_a_round,
				       setup),
		cmocka_unit_test_setup(test_alarm_mux_without_a_probe_marks_nothing, setup),
		cmocka_unit_test_setup(test_console_marks_a_keyboard_keys_echo, setup),
		cmocka_unit_test_setup(test_console_does_not_mark_serial_input_or_typed_ahead_keys,
				       setup),
		cmocka_unit_test_setup(test_bench_irq_measures_wakes_and_idle_then_logs, setup),
		cmocka_unit_test_setup(test_bench_irq_report_before_the_run, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
