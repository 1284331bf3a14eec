/*
 * capsules/trace_dump.h: the text format (header, one @bit line per
 * declared bit with spaces made '_', per-CPU events as deltas), a dump
 * larger than the console's ring streamed whole by waiting for room,
 * recording paused while it runs, and the end reported from the loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/console.h"
#include "capsules/trace_dump.h"
#include "kernel/deferred.h"
#include "kernel/loop.h"
#include "kernel/observe.h"
#include "kernel/pending.h"
#include "kernel/trace.h"
#include "fake_arch.h"
#include "fake_uart.h"

static struct fake_uart fu;
static struct console con;
static struct trace_dump dump;
static struct deferred_call work;
static uint64_t done_lines;
static unsigned done_calls;
static bool starting;

static struct cpu *one_cpu(void *ctx, unsigned i)
{
	(void)ctx;
	return i == 0 ? &fake_cpu : NULL;
}

static void done(void *ctx, uint64_t lines)
{
	(void)ctx;
	assert_false(starting);
	done_lines = lines;
	done_calls++;
}

static const struct trace_dump_client client = { .ctx = NULL, .done = done };

static void nothing(void *ctx)
{
	(void)ctx;
}

/* Run the loop and drain the line until nothing is left to do. */
static void run_loop(void)
{
	for (int i = 0; i < 100000 && (fake_cpu.pending || fu.buf); i++) {
		loop_round(&fake_cpu);
		fake_uart_complete(&fu);
	}
}

/* The board lends the rings (kernel/trace.h); one CPU's here. */
static struct trace_ring ring;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	observe_set_trace(false);
	observe_set_timing(false);
	observe_reset_for_test();
	trace_set_rings(&ring, 1);
	fake_uart_init(&fu);
	console_init(&con, &fu.hil, NULL);
	trace_dump_init(&dump, &con, one_cpu, NULL, 1000);
	loop_declare_interrupt(1, "kbd");
	loop_set_client(1, "keyboard", nothing, NULL);
	deferred_call_init(&work, "keyboard reset");
	deferred_call_register(&work, "keyboard", nothing, NULL);
	done_calls = 0;
	run_loop();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	observe_set_trace(false);
	return 0;
}

static void test_format(void **state)
{
	(void)state;
	observe_set_trace(true);
	pending_set(&fake_cpu, 1);
	loop_round(&fake_cpu); /* R B E */
	observe_set_trace(false);

	starting = true;
	assert_int_equal(trace_dump_start(&dump, &client), 0);
	starting = false;
	assert_int_equal(trace_dump_start(&dump, &client), -1); /* one at a time */
	run_loop();
	assert_int_equal(done_calls, 1);

	const struct trace_ring *r = trace_ring(0);
	uint64_t t0 = r->events[0].tsc;
	char want[1024];
	snprintf(want, sizeof(want),
		 "@trace 1 hz=1000 cpus=1\r\n"
		 "@bit 1 irq kbd keyboard\r\n"
		 "@bit %u defer keyboard_reset keyboard\r\n"
		 "@bit %u defer trace_dump trace_dump\r\n"
		 "@bit %u defer console console\r\n"
		 "@cpu 0 events=3 overwritten=0 t0=%llu\r\n"
		 "@0 R 0 1\r\n"
		 "@%llu B 1 0\r\n"
		 "@%llu E 1 0\r\n"
		 "@end\r\n",
		 work.bit, dump.dc.bit, con.dc.bit, (unsigned long long)t0,
		 (unsigned long long)(r->events[1].tsc - t0),
		 (unsigned long long)(r->events[2].tsc - r->events[1].tsc));
	assert_string_equal(fu.wire, want);
	assert_int_equal(done_lines, 10);
}

static void test_big_dump_waits_for_room_and_loses_nothing(void **state)
{
	(void)state;
	observe_set_trace(true);
	for (int i = 0; i < 2000; i++) { /* far more than the console's ring */
		pending_set(&fake_cpu, 1);
		loop_round(&fake_cpu);
	}
	uint64_t head = trace_ring(0)->head;
	assert_int_equal(head, 6000);

	assert_int_equal(trace_dump_start(&dump, &client), 0);
	/* While the dump runs, the loop's own rounds are not recorded. */
	pending_set(&fake_cpu, 1);
	loop_round(&fake_cpu);
	assert_int_equal(trace_ring(0)->head, head);
	run_loop();
	assert_int_equal(done_calls, 1);
	assert_true(console_get_stats(&con)->room_callbacks > 0); /* it had to wait */

	/* Every held event made it, whole lines only, in order. */
	char expect_cpu[96];
	snprintf(expect_cpu, sizeof(expect_cpu), "@cpu 0 events=%u overwritten=%llu ",
		 TRACE_RING_EVENTS, (unsigned long long)(head - TRACE_RING_EVENTS));
	assert_non_null(strstr(fu.wire, expect_cpu));
	unsigned events = 0;
	for (const char *p = fu.wire; (p = strstr(p, "\r\n@")) != NULL; p += 3)
		if (p[3] >= '0' && p[3] <= '9')
			events++;
	assert_int_equal(events, TRACE_RING_EVENTS);
	assert_int_equal(done_lines, TRACE_RING_EVENTS + 7);
	assert_non_null(strstr(fu.wire, "@end\r\n"));
	/* Recording resumes after the dump. */
	pending_set(&fake_cpu, 1);
	loop_round(&fake_cpu);
	assert_true(trace_ring(0)->head > head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_dump_waits_for_room_and_loses_nothing,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
