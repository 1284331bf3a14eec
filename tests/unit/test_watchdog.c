/*
 * The stall watchdog and the storm detector (kernel/watchdog.h), driven by
 * hand: each test sets the fake CPU's counters as the loop would, then
 * calls watchdog_tick() as the periodic tick would, with a clock of one
 * cycle per microsecond.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"
#include "kernel/ticker.h"
#include "kernel/watchdog.h"
#include "fake_arch.h"
#include "fake_log.h"

#define CYCLES_PER_S 1000000u /* 1 cycle = 1 us */
#define MS 1000u              /* cycles per millisecond */
#define TICK (55 * MS)        /* the PIT's period, about */

#define BIT_TIMER 0
#define BIT_STORM 3
#define BIT_BUSY 40

/* A pc inside fake_middle (tests/unit/fake_symbols.c). */
#define PC_IN_MIDDLE 0x1104u

static void nothing(void *ctx)
{
	(void)ctx;
}

static uint64_t now;
static struct watchdog_options opt;
static struct watchdog_where where = { .pc = PC_IN_MIDDLE, .fp = 0, .caller = 0 };

static void start(void)
{
	watchdog_init(&opt, CYCLES_PER_S);
	loop_verify();
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	watchdog_reset_for_test();
	fake_log_capture();
	now = 1000 * MS;
	where.caller = 0;
	watchdog_default_options(&opt);

	loop_declare_interrupt(BIT_TIMER, "timer");
	loop_set_client(BIT_TIMER, "alarm_mux", nothing, NULL);
	loop_declare_interrupt(BIT_STORM, "storm");
	loop_set_client(BIT_STORM, "storm", nothing, NULL);
	/* A deferred call at a known bit: declare from 63 down until 40. */
	for (unsigned bit = 63; bit > BIT_BUSY; bit--) {
		loop_declare_deferred("filler");
		loop_set_client(bit, "filler", nothing, NULL);
	}
	assert_int_equal(loop_declare_deferred("busy"), BIT_BUSY);
	loop_set_client(BIT_BUSY, "busy_burn", nothing, NULL);
	return 0;
}

/* The loop is inside bit's callback, in round `round`. */
static void running(unsigned bit, uint64_t round)
{
	fake_cpu.rounds = round;
	fake_cpu.running = bit;
}

static void tick_after(uint64_t cycles)
{
	now += cycles;
	watchdog_tick(&fake_cpu, now, &where);
}

/* Run the loop's round: the watchdog's deferred call prints its events. */
static void loop_runs(void)
{
	loop_round(&fake_cpu);
}

static void test_options(void **state)
{
	(void)state;
	struct watchdog_options o;

	watchdog_default_options(&o);
	assert_int_equal(o.limit_ms, 1000);
	assert_false(o.panic);
	assert_int_equal(o.storm_per_s, WATCHDOG_DEFAULT_STORM_PER_S);

	assert_true(watchdog_parse_option("panic", &o));
	assert_true(o.panic);
	assert_int_equal(o.limit_ms, 1000);
	assert_true(watchdog_parse_option("250", &o));
	assert_int_equal(o.limit_ms, 250);
	assert_true(o.panic); /* only what the value names changes */
	assert_true(watchdog_parse_option("warn:3000", &o));
	assert_false(o.panic);
	assert_int_equal(o.limit_ms, 3000);
	assert_true(watchdog_parse_option("700:panic", &o));
	assert_true(o.panic);
	assert_int_equal(o.limit_ms, 700);
	assert_true(watchdog_parse_option("off", &o));
	assert_int_equal(o.limit_ms, 0);

	static const char *const bad[] = { "",        "0",       "abc",         "500:", ":500",
					   "panic:x", "3600001", "99999999999", "-1",   "500 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct watchdog_options before = o;
		assert_false(watchdog_parse_option(bad[i], &o));
		assert_memory_equal(&before, &o, sizeof(o));
	}

	assert_true(watchdog_parse_storm_option("5000", &o));
	assert_int_equal(o.storm_per_s, 5000);
	assert_true(watchdog_parse_storm_option("off", &o));
	assert_int_equal(o.storm_per_s, 0);
	assert_false(watchdog_parse_storm_option("0", &o));
	assert_false(watchdog_parse_storm_option("fast", &o));
	assert_false(watchdog_parse_storm_option("", &o));
}

static void test_callbacks_that_return_are_not_stalls(void **state)
{
	(void)state;
	start();
	/* Every tick sees a new dispatch: rounds go on. */
	for (uint64_t r = 1; r <= 100; r++) {
		running(BIT_BUSY, r);
		tick_after(TICK);
	}
	/* The same bit again and again, but each time after a sleep. */
	for (unsigned i = 0; i < 100; i++) {
		fake_cpu.sleeps++;
		tick_after(TICK);
	}
	/* Each bit once per round: the round stays, the bit changes. */
	for (unsigned i = 0; i < 100; i++) {
		running(i % 2 ? BIT_BUSY : BIT_TIMER, 500);
		tick_after(TICK);
	}
	/* A process spinning in ring 3: no round, no sleep, the same last bit,
	 * but each knock (this tick's own) ends a run of the idle work. */
	for (unsigned i = 0; i < 100; i++) {
		fake_cpu.idle_work++;
		tick_after(TICK);
	}
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.stalls, 0);
	assert_null(strstr(fake_log, "watchdog"));
}

static void test_a_stall_is_reported_once_with_name_pending_and_backtrace(void **state)
{
	(void)state;
	start();
	running(BIT_BUSY, 7);
	fake_cpu.pending = (1u << BIT_TIMER) | (1u << BIT_STORM);
	tick_after(TICK); /* first seen */
	tick_after(900 * MS);
	assert_null(strstr(fake_log, "watchdog"));
	tick_after(99 * MS); /* 999 ms since first seen */
	assert_null(strstr(fake_log, "watchdog"));
	tick_after(1 * MS); /* 1000 ms */

	assert_non_null(strstr(fake_log,
			       "warning: watchdog: capsule 'busy_burn' (bit 40, deferred "
			       "call 'busy') has run for 1000 ms on cpu 0 (limit 1000 ms)\n"));
	assert_non_null(strstr(fake_log, "watchdog:   pending 0x0000000000000009 (timer storm)\n"));
	assert_non_null(strstr(fake_log, "watchdog:   interrupted at 0x0000000000001104 "
					 "<fake_middle+0x4>\n"));
	assert_non_null(strstr(fake_log, "backtrace:\n  #0 0x0000000000001104 fake_middle+0x4\n"));
	assert_true(watchdog_idle_tick_wanted);

	/* Once per stall, however long it lasts. */
	size_t len = strlen(fake_log);
	for (unsigned i = 0; i < 50; i++)
		tick_after(TICK);
	assert_int_equal(strlen(fake_log), len);

	/* It returns: the next tick sees another dispatch, and the loop
	 * logs the end with the time the ticks saw it run. */
	running(BIT_TIMER, 8);
	tick_after(TICK);
	assert_false(watchdog_idle_tick_wanted);
	assert_int_equal(strlen(fake_log), len); /* nothing from the tick itself */
	loop_runs();
	assert_non_null(strstr(fake_log, "watchdog: capsule 'busy_burn' (bit 40) returned on cpu 0 "
					 "after running at least 3750 ms\n"));
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.stalls, 1);

	/* A second stall of the same bit in a later round is a new one. */
	running(BIT_BUSY, 9);
	tick_after(TICK);
	tick_after(1000 * MS);
	watchdog_get_stats(&st);
	assert_int_equal(st.stalls, 2);
}

static void test_the_caller_of_a_frameless_pc_is_in_the_backtrace(void **state)
{
	(void)state;
	start();
	where.caller = 0x1011; /* a return address into fake_start */
	running(BIT_BUSY, 7);
	tick_after(TICK);
	tick_after(1000 * MS);
	assert_non_null(strstr(fake_log, "backtrace:\n  #0 0x0000000000001104 fake_middle+0x4\n"
					 "  #1 0x0000000000001011 fake_start+0x11\n"));
}

static void test_limit_option_and_off(void **state)
{
	(void)state;
	opt.limit_ms = 200;
	start();
	running(BIT_BUSY, 3);
	tick_after(TICK);
	tick_after(199 * MS);
	assert_null(strstr(fake_log, "watchdog"));
	tick_after(1 * MS);
	assert_non_null(strstr(fake_log, "has run for 200 ms on cpu 0 (limit 200 ms)"));

	setup(state);
	opt.limit_ms = 0;
	start();
	running(BIT_BUSY, 3);
	for (unsigned i = 0; i < 1000; i++)
		tick_after(TICK);
	assert_null(strstr(fake_log, "watchdog"));
}

static void test_no_stall_before_the_loop_dispatched_anything(void **state)
{
	(void)state;
	start();
	running(0, 0);
	for (unsigned i = 0; i < 100; i++)
		tick_after(TICK);
	assert_null(strstr(fake_log, "watchdog"));
}

/* The loop counts a round when it ends: its very first callback runs
 * with rounds at 0, and only its bit's service count says it began. */
static void test_a_stall_in_the_first_callback_is_reported(void **state)
{
	(void)state;
	start();
	running(BIT_BUSY, 0);
	fake_cpu.serviced[BIT_BUSY] = 1;
	tick_after(TICK);
	tick_after(1000 * MS);
	assert_non_null(strstr(fake_log, "capsule 'busy_burn' (bit 40, deferred call 'busy') has "
					 "run for 1000 ms on cpu 0"));
}

static void test_panic_mode_panics_with_the_report(void **state)
{
	(void)state;
	opt.panic = true;
	start();
	running(BIT_BUSY, 5);
	tick_after(TICK);
	expect_assert_failure(tick_after(1000 * MS));
	assert_non_null(strstr(fake_log,
			       "PANIC: watchdog: capsule 'busy_burn' (bit 40, deferred "
			       "call 'busy') has run for 1000 ms on cpu 0 (limit 1000 ms)\n"));
	assert_non_null(strstr(fake_log, "backtrace:\n  #0 0x0000000000001104 fake_middle+0x4\n"));
	assert_non_null(strstr(fake_log, "system halted"));
	assert_null(strstr(fake_log, "warning: watchdog"));
}

/* `per_s` services of `bit` a second for `ms`, in ticks of 50 ms, the CPU
 * awake. Storm windows are 250 ms, so whole windows are multiples of it. */
static void service_at(unsigned bit, uint64_t per_s, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 50) {
		fake_cpu.serviced[bit] += per_s / 20;
		fake_cpu.rounds += per_s / 20;
		fake_cpu.running = bit;
		tick_after(50 * MS);
	}
}

static void test_a_storm_is_reported_with_name_and_rate_then_its_end(void **state)
{
	(void)state;
	opt.storm_per_s = 10000;
	start();
	tick_after(TICK); /* opens the first window */
	service_at(BIT_STORM, 9000, 1000);
	assert_null(strstr(fake_log, "storm"));

	service_at(BIT_STORM, 40000, 250);
	loop_runs();
	assert_non_null(strstr(fake_log,
			       "warning: storm: interrupt source 'storm' (bit 3) serviced "
			       "40000 times/s for 250 ms with cpu 0 never idle (limit "
			       "10000/s)"));
	assert_true(watchdog_idle_tick_wanted);
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.storms, 1);

	/* Still storming: no second report; the peak is kept. */
	size_t len = strlen(fake_log);
	service_at(BIT_STORM, 60000, 500);
	loop_runs();
	assert_int_equal(strlen(fake_log), len);

	/* It calms down. */
	service_at(BIT_STORM, 100, 250);
	loop_runs();
	assert_non_null(strstr(fake_log,
			       "storm: interrupt source 'storm' (bit 3) calmed down after "
			       "about 1000 ms (peak 60000/s)\n"));
	assert_false(watchdog_idle_tick_wanted);
	watchdog_get_stats(&st);
	assert_int_equal(st.storms, 1);
}

static void test_a_sleep_ends_a_storm_and_no_window_spans_one(void **state)
{
	(void)state;
	opt.storm_per_s = 10000;
	start();
	tick_after(TICK);
	service_at(BIT_STORM, 50000, 250);
	fake_cpu.sleeps++; /* the loop caught up and slept */
	tick_after(5000 * MS);
	loop_runs();
	assert_non_null(strstr(fake_log, "warning: storm: interrupt source 'storm'"));
	assert_non_null(strstr(fake_log, "calmed down after about 250 ms (peak 50000/s)"));

	/* Many services, but with a sleep in every window: not a storm. */
	fake_log_clear();
	for (unsigned i = 0; i < 40; i++) {
		fake_cpu.serviced[BIT_STORM] += 1000000;
		fake_cpu.sleeps++;
		tick_after(100 * MS);
	}
	loop_runs();
	assert_null(strstr(fake_log, "storm"));
}

static void test_deferred_calls_and_storm_off_are_not_storms(void **state)
{
	(void)state;
	opt.storm_per_s = 10000;
	start();
	tick_after(TICK);
	service_at(BIT_BUSY, 1000000, 1000); /* a deferred call that re-arms itself */
	loop_runs();
	assert_null(strstr(fake_log, "storm"));

	setup(state);
	opt.storm_per_s = 0;
	start();
	tick_after(TICK);
	service_at(BIT_STORM, 1000000, 1000);
	loop_runs();
	assert_null(strstr(fake_log, "storm"));
}

static void test_events_that_do_not_fit_are_counted(void **state)
{
	(void)state;
	opt.storm_per_s = 10000;
	start();
	tick_after(TICK);
	/* Storm on, storm off, 40 times, and the loop never runs. */
	for (unsigned i = 0; i < 40; i++) {
		service_at(BIT_STORM, 50000, 250);
		service_at(BIT_STORM, 10, 250);
	}
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.storms, 40);
	assert_int_equal(st.events_lost, 80 - 16);
	loop_runs();
	assert_non_null(strstr(fake_log, "storm"));
}

/* Other CPUs (kernel/watchdog.h, "Every CPU"): fake_cpus[1 ..], and the
 * poke that passes the tick on runs that CPU's tick at once, as its IPI
 * would. */
static struct cpu others[CPU_MAX];
static unsigned poked[CPU_MAX];

static void poke(unsigned id)
{
	poked[id]++;
	watchdog_tick(fake_cpus[id], now, &where);
}

static void add_cpus(unsigned n)
{
	memset(others, 0, sizeof(others));
	memset(poked, 0, sizeof(poked));
	fake_cpu.state = CPU_ONLINE;
	for (unsigned id = 1; id < n; id++) {
		others[id].id = id;
		others[id].self = &others[id];
		others[id].state = CPU_ONLINE;
		others[id].idle = 1;
		fake_cpus[id] = &others[id];
	}
	watchdog_set_tick_cpu(0, poke);
}

static void test_the_tick_is_passed_on_to_every_awake_cpu(void **state)
{
	(void)state;
	start();
	add_cpus(CPU_MAX);
	others[5].idle = 0;
	others[63].idle = 0;
	others[40].idle = 0;
	others[40].state = CPU_FAILED; /* never came online: left alone */
	tick_after(TICK);
	for (unsigned id = 1; id < CPU_MAX; id++)
		assert_int_equal(poked[id], id == 5 || id == 63);
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.pokes, 2);
	assert_int_equal(st.ticks, 3); /* its own and the two passed on */

	/* Only the tick's CPU passes it on. */
	watchdog_tick(&others[5], now, &where);
	assert_int_equal(poked[63], 1);

	/* No poke function: the tick's CPU watches itself only. */
	watchdog_set_tick_cpu(0, NULL);
	tick_after(TICK);
	assert_int_equal(poked[63], 1);
}

static void test_a_stall_on_cpu_63_is_reported_naming_it(void **state)
{
	(void)state;
	start();
	add_cpus(CPU_MAX);
	struct cpu *c = &others[63];
	c->idle = 0;
	c->rounds = 7;
	c->running = BIT_BUSY;
	c->pending = 1u << BIT_TIMER;
	fake_cpu.rounds = 1; /* CPU 0 itself moves on: no stall there */
	tick_after(TICK);
	for (unsigned i = 0; i < 18; i++) {
		fake_cpu.rounds++;
		tick_after(TICK);
	}
	assert_null(strstr(fake_log, "watchdog"));
	/* The 19th tick after the first sight: 1045 ms. CPU 63 finds its
	 * stall; it may not print, so the report waits for the tick CPU's
	 * next tick. */
	fake_cpu.rounds++;
	tick_after(TICK);
	assert_null(strstr(fake_log, "watchdog"));
	assert_true(watchdog_idle_tick_wanted & (uint64_t)1 << 63);
	fake_cpu.rounds++;
	tick_after(TICK);
	assert_non_null(strstr(fake_log,
			       "warning: watchdog: capsule 'busy_burn' (bit 40, deferred "
			       "call 'busy') has run for 1045 ms on cpu 63 (limit 1000 ms)\n"
			       "watchdog:   pending 0x0000000000000001 (timer)\n"
			       "watchdog:   interrupted at 0x0000000000001104 <fake_middle+0x4>\n"
			       "backtrace:\n  #0 0x0000000000001104 fake_middle+0x4\n"
			       "watchdog: reported once; the callback keeps running"));
	assert_null(strstr(fake_log, "on cpu 0"));

	/* Once per stall. */
	size_t len = strlen(fake_log);
	for (unsigned i = 0; i < 30; i++) {
		fake_cpu.rounds++;
		tick_after(TICK);
	}
	assert_int_equal(strlen(fake_log), len);

	/* It returns and CPU 63 goes to sleep: the tick still comes to it
	 * once (it wants its "over"), and the tick CPU hands the event to
	 * its loop. */
	c->rounds = 8;
	c->sleeps++;
	c->idle = 1;
	unsigned before = poked[63];
	fake_cpu.rounds++;
	tick_after(TICK);
	assert_int_equal(poked[63], before + 1);
	fake_cpu.rounds++;
	tick_after(TICK); /* takes CPU 63's event */
	loop_runs();
	assert_non_null(strstr(fake_log,
			       "watchdog: capsule 'busy_burn' (bit 40) returned on cpu 63 "
			       "after running at least"));
	/* Nothing owed any more: an idle CPU 63 is left alone. */
	fake_cpu.rounds++;
	tick_after(TICK);
	before = poked[63];
	fake_cpu.rounds++;
	tick_after(TICK);
	assert_int_equal(poked[63], before);
	assert_int_equal(watchdog_idle_tick_wanted, 0);
	struct watchdog_stats st;
	watchdog_get_stats(&st);
	assert_int_equal(st.stalls, 1);
}

static unsigned unmasks;

static void count_unmask(void)
{
	unmasks++;
}

static void test_the_tick_cpu_sleeps_with_its_tick_only_when_all_sleep(void **state)
{
	(void)state;
	start();
	add_cpus(4);
	assert_false(ticker_others_awake(&fake_cpu));
	others[3].idle = 0;
	assert_true(ticker_others_awake(&fake_cpu));
	others[3].state = CPU_FAILED;
	assert_false(ticker_others_awake(&fake_cpu));
	/* Its own idle mark does not count. */
	fake_cpu.idle = 0;
	assert_false(ticker_others_awake(&fake_cpu));
	assert_true(ticker_others_awake(&others[2]));

	/* A CPU that wakes wakes the tick's CPU only if that one sleeps with
	 * its tick masked (the board names the ticker, as the pc board's
	 * wiring does; no unmask of its own: the wake-up IPI). */
	ticker_set_cpu(0, NULL);
	unmasks = 0;
	others[2].idle = 1;
	ticker_note_awake(&others[2]);
	assert_int_equal(others[2].idle, 0);
	assert_int_equal(fake_wakes[0], 0);
	/* The ticker's flag is a bit of its own idle mark. */
	fake_cpu.idle = 1 | TICKER_ASLEEP;
	others[1].idle = 1;
	ticker_note_awake(&others[1]);
	assert_int_equal(others[1].idle, 0);
	assert_int_equal(fake_wakes[0], 1);
	/* Only the first CPU to wake turns the tick on; the ticker's own
	 * idle mark stays up. */
	assert_int_equal(fake_cpu.idle, 1);
	ticker_note_awake(&others[3]);
	assert_int_equal(fake_wakes[0], 1);
	/* The ticker never wakes itself (and its mark going down takes the
	 * flag down with it). */
	fake_cpu.idle = 1 | TICKER_ASLEEP;
	ticker_note_awake(&fake_cpu);
	assert_int_equal(fake_wakes[0], 1);
	assert_int_equal(fake_cpu.idle, 0);
	fake_cpu.idle = 1 | TICKER_ASLEEP;

	/* With the board's unmask (the pc board's: the tick's IOAPIC pin),
	 * that instead of the wake-up IPI. */
	ticker_set_cpu(0, count_unmask);
	ticker_note_awake(&others[1]);
	ticker_note_awake(&others[2]);
	assert_int_equal(unmasks, 1);
	assert_int_equal(fake_wakes[0], 1);
	fake_cpu.idle = 1;
	ticker_note_awake(&others[1]);
	assert_int_equal(unmasks, 1);
}

static void test_options_in_words(void **state)
{
	(void)state;
	struct watchdog_options o;
	char words[96];

	watchdog_default_options(&o);
	watchdog_options_describe(&o, words, sizeof(words));
	assert_string_equal(words, "stalls over 1000 ms warn; storms over 20000/s");
	assert_true(watchdog_parse_option("500:panic", &o));
	assert_true(watchdog_parse_storm_option("off", &o));
	watchdog_options_describe(&o, words, sizeof(words));
	assert_string_equal(words, "stalls over 500 ms panic; storms off");
	assert_true(watchdog_parse_option("off", &o));
	assert_true(watchdog_parse_storm_option("300", &o));
	watchdog_options_describe(&o, words, sizeof(words));
	assert_string_equal(words, "stalls off; storms over 300/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_options, setup),
		cmocka_unit_test_setup(test_options_in_words, setup),
		cmocka_unit_test_setup(test_callbacks_that_return_are_not_stalls, setup),
		cmocka_unit_test_setup(
			test_a_stall_is_reported_once_with_name_pending_and_backtrace, setup),
		cmocka_unit_test_setup(test_the_caller_of_a_frameless_pc_is_in_the_backtrace,
				       setup),
		cmocka_unit_test_setup(test_limit_option_and_off, setup),
		cmocka_unit_test_setup(test_no_stall_before_the_loop_dispatched_anything, setup),
		cmocka_unit_test_setup(test_a_stall_in_the_first_callback_is_reported, setup),
		cmocka_unit_test_setup(test_panic_mode_panics_with_the_report, setup),
		cmocka_unit_test_setup(test_a_storm_is_reported_with_name_and_rate_then_its_end,
				       setup),
		cmocka_unit_test_setup(test_a_sleep_ends_a_storm_and_no_window_spans_one, setup),
		cmocka_unit_test_setup(test_deferred_calls_and_storm_off_are_not_storms, setup),
		cmocka_unit_test_setup(test_events_that_do_not_fit_are_counted, setup),
		cmocka_unit_test_setup(test_the_tick_is_passed_on_to_every_awake_cpu, setup),
		cmocka_unit_test_setup(test_a_stall_on_cpu_63_is_reported_naming_it, setup),
		cmocka_unit_test_setup(test_the_tick_cpu_sleeps_with_its_tick_only_when_all_sleep,
				       setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
