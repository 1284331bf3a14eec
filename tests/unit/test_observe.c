/*
 * The loop's counters and its observation (kernel/observe.h, trace.h):
 * services per bit, sets per deferred call, per-bit latency and the
 * longest callback while timing is on, the trace's events (rounds,
 * callbacks, deferred sets and knocks seen after a callback, sleep and
 * wake), the ring keeping the newest events, and nothing at all recorded
 * or routed while both are off.
 *
 * The fake arch's cycle counter advances by one on every read, so times
 * here are counts of clock reads, and exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/deferred.h"
#include "kernel/loop.h"
#include "kernel/observe.h"
#include "kernel/pending.h"
#include "kernel/trace.h"
#include "fake_arch.h"

static struct deferred_call dc_a, dc_b;
static unsigned runs_a, runs_b, runs_irq;
static uint64_t spend; /* clock reads a client burns */

static void burn(void)
{
	for (uint64_t i = 0; i < spend; i++)
		(void)arch_cycles();
}

static void client_a(void *ctx)
{
	assert_ptr_equal(ctx, &runs_a); /* routed or not, the client's own ctx */
	runs_a++;
	burn();
}

/* Sets deferred call b and knocks interrupt bit 3 while it runs. */
static void client_b(void *ctx)
{
	(void)ctx;
	runs_b++;
	deferred_call_set(&dc_a);
	pending_set(&fake_cpu, 3);
}

static void client_irq(void *ctx)
{
	(void)ctx;
	runs_irq++;
	burn();
	observe_note_events(4); /* as a driver does: 4 bytes drained */
}

/* The board lends the rings (kernel/trace.h); two CPUs' here. */
#define TEST_RINGS 2
static struct trace_ring rings[TEST_RINGS];

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	observe_set_timing(false);
	observe_set_trace(false);
	observe_reset_for_test();
	trace_set_rings(rings, TEST_RINGS);
	runs_a = runs_b = runs_irq = 0;
	spend = 0;
	deferred_call_init(&dc_a, "a");
	deferred_call_register(&dc_a, "client_a", client_a, &runs_a);
	deferred_call_init(&dc_b, "b");
	deferred_call_register(&dc_b, "client_b", client_b, NULL);
	loop_declare_interrupt(3, "dev");
	loop_set_client(3, "devdrv", client_irq, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	observe_set_timing(false);
	observe_set_trace(false);
	return 0;
}

static void test_services_and_sets_are_counted_exactly(void **state)
{
	(void)state;
	deferred_call_set(&dc_a);
	deferred_call_set(&dc_a); /* coalesces: one service, two sets */
	pending_set(&fake_cpu, 3);
	loop_round(&fake_cpu);
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);

	assert_int_equal(fake_cpu.serviced[dc_a.bit], 2);
	assert_int_equal(fake_cpu.serviced[3], 1);
	assert_int_equal(fake_cpu.serviced[dc_b.bit], 0);
	assert_int_equal(deferred_call_sets(dc_a.bit), 3);
	assert_int_equal(deferred_call_sets(dc_b.bit), 0);
	assert_int_equal(deferred_call_sets(3), 0); /* not a deferred call */
	assert_int_equal(runs_a, 2);
	assert_int_equal(fake_cpu.rounds, 2);
}

static void test_off_records_nothing(void **state)
{
	(void)state;
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);
	assert_int_equal(runs_a, 1);
	assert_int_equal(observe_latency(dc_a.bit)->count, 0);
	assert_int_equal(trace_ring(0)->head, 0);
	assert_false(observe_loop(0)->have_longest);
	/* Not routed: the loop reads no clock at all. */
	assert_int_equal(fake_cycles, 0);
}

static void test_timing_measures_from_the_round_start_to_callback_end(void **state)
{
	(void)state;
	observe_set_timing(true);
	spend = 10;
	pending_set(&fake_cpu, 3);
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);

	/* bit 3 runs first: its latency is its own callback; a's includes
	 * the wait for bit 3's callback before it. */
	const struct latency_hist *irq = observe_latency(3);
	const struct latency_hist *a = observe_latency(dc_a.bit);
	assert_int_equal(irq->count, 1);
	assert_int_equal(a->count, 1);
	assert_true(latency_hist_max(irq) >= 10);
	assert_true(latency_hist_max(a) >= 20);
	assert_true(latency_hist_max(a) > latency_hist_max(irq));
	assert_int_equal(runs_a, 1);
	assert_int_equal(runs_irq, 1);

	const struct observe_loop *l = observe_loop(0);
	assert_true(l->have_longest);
	assert_int_equal(l->callbacks, 2);
	assert_true(l->longest >= 10 && l->longest <= 15);

	/* A longer callback takes over as the longest, naming its bit. */
	spend = 100;
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);
	assert_int_equal(l->longest_bit, dc_a.bit);
	assert_true(l->longest >= 100);

	observe_reset();
	assert_int_equal(observe_latency(3)->count, 0);
	assert_false(observe_loop(0)->have_longest);

	/* Off again: clients are called directly, no clock read. */
	observe_set_timing(false);
	spend = 0;
	uint64_t before = fake_cycles;
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);
	assert_int_equal(fake_cycles, before);
	assert_int_equal(runs_a, 3);
}

/* `stats reset` runs inside a callback: that callback's own latency is
 * still measured from its round's start, not from zero. */
static void resetting_client(void *ctx)
{
	(void)ctx;
	observe_reset();
}

static void test_reset_inside_a_callback(void **state)
{
	(void)state;
	observe_set_timing(true);
	fake_cycles = 1000000; /* a clock far from zero, as on a real machine */
	loop_declare_interrupt(6, "reset");
	loop_set_client(6, "resetter", resetting_client, NULL);
	pending_set(&fake_cpu, 6);
	loop_round(&fake_cpu);
	const struct latency_hist *h = observe_latency(6);
	assert_int_equal(h->count, 1);
	assert_true(latency_hist_max(h) < 10);
}

/* A client set after timing went on is routed too. */
static void test_clients_set_later_are_timed(void **state)
{
	(void)state;
	observe_set_timing(true);
	loop_declare_interrupt(5, "late");
	loop_set_client(5, "latedrv", client_irq, NULL);
	pending_set(&fake_cpu, 5);
	loop_round(&fake_cpu);
	assert_int_equal(runs_irq, 1);
	assert_int_equal(observe_latency(5)->count, 1);
	assert_ptr_equal(loop_slot_client_fn(5), client_irq);
}

static const struct trace_event *event(unsigned i)
{
	const struct trace_ring *r = trace_ring(0);
	assert_true(i < r->head);
	return &r->events[(trace_oldest(r) + i) % TRACE_RING_EVENTS];
}

/* The board lends a ring per CPU it may start; a CPU beyond them (or any,
 * before the lending) records nothing and costs nothing else. */
static void test_only_cpus_with_a_lent_ring_record(void **state)
{
	(void)state;
	struct cpu c1 = { .id = 1 }, c2 = { .id = TEST_RINGS };
	observe_set_trace(true);
	trace_record(&c1, TRACE_SLEEP, 0, 0, 10);
	trace_record(&c2, TRACE_SLEEP, 0, 0, 10);
	assert_int_equal(trace_ring(1)->head, 1);
	assert_int_equal(trace_ring(1)->events[0].kind, TRACE_SLEEP);
	assert_null(trace_ring(TEST_RINGS));
	trace_set_rings(NULL, 0);
	trace_record(&c1, TRACE_WAKE, 0, 0, 11);
	assert_null(trace_ring(0));
	assert_null(trace_ring(1));
	assert_int_equal(rings[1].head, 1);
}

static void test_trace_records_a_round_in_order(void **state)
{
	(void)state;
	observe_set_trace(true);
	pending_set(&fake_cpu, 3);
	deferred_call_set(&dc_b);
	loop_round(&fake_cpu);

	/* R, then bit 3's B, its driver's D, E, then b's B/E, then what b's
	 * callback made pending: interrupt 3 and the deferred call a (F, for
	 * fresh), both naming b. */
	const char want[] = { 'R', 'B', 'D', 'E', 'B', 'E', 'F', 'F' };
	const unsigned bits[] = { 0, 3, 3, 3, dc_b.bit, dc_b.bit, 3, dc_a.bit };
	assert_int_equal(trace_ring(0)->head, sizeof(want));
	uint64_t prev = 0;
	for (unsigned i = 0; i < sizeof(want); i++) {
		const struct trace_event *e = event(i);
		assert_int_equal(e->kind, want[i]);
		assert_int_equal(e->bit, bits[i]);
		assert_true(e->tsc >= prev);
		prev = e->tsc;
	}
	assert_int_equal(event(0)->arg, 1);        /* round number */
	assert_int_equal(event(2)->arg, 4);        /* the driver's 4 events */
	assert_int_equal(event(6)->arg, dc_b.bit); /* knocked during b */
	assert_int_equal(event(7)->arg, dc_b.bit); /* set by b */
	assert_int_equal(event(1)->arg, 0);        /* first callback: no wait */
	assert_true(event(4)->arg > 0);            /* b waited for bit 3 */
	/* The ring holds both as "fresh"; the bit says which it was. */
	assert_int_equal(trace_fresh_kind(3), TRACE_KNOCK);
	assert_int_equal(trace_fresh_kind(dc_a.bit), TRACE_SET);
	/* Outside a callback, a driver's note has no callback to go with. */
	uint64_t head = trace_ring(0)->head;
	observe_note_events(9);
	assert_int_equal(trace_ring(0)->head, head);
	/* Timing is off: the trace alone fills no histogram. */
	assert_int_equal(observe_latency(3)->count, 0);
}

static void test_trace_records_sleep_and_wake(void **state)
{
	(void)state;
	observe_set_trace(true);
	loop_sleep_if_idle(&fake_cpu);
	assert_int_equal(trace_ring(0)->head, 2);
	assert_int_equal(event(0)->kind, 'H');
	assert_int_equal(event(1)->kind, 'W');
	/* The sleep protocol itself is untouched: disable, then sti;hlt. */
	assert_string_equal(fake_arch_trace, "DI");

	observe_set_trace(false);
	loop_sleep_if_idle(&fake_cpu);
	assert_int_equal(trace_ring(0)->head, 2);
}

static void test_ring_keeps_the_newest_events(void **state)
{
	(void)state;
	observe_set_trace(true);
	for (unsigned i = 0; i < TRACE_RING_EVENTS; i++) {
		deferred_call_set(&dc_a);
		loop_round(&fake_cpu); /* R B E: three events */
	}
	const struct trace_ring *r = trace_ring(0);
	assert_int_equal(r->head, 3 * TRACE_RING_EVENTS);
	assert_int_equal(trace_held(r), TRACE_RING_EVENTS);
	assert_int_equal(trace_oldest(r), 2 * TRACE_RING_EVENTS);
	/* The newest is the last round's end. */
	assert_int_equal(event(TRACE_RING_EVENTS - 1)->kind, 'E');

	/* Paused (a dump reading the ring): nothing more is written. */
	trace_pause(true);
	deferred_call_set(&dc_a);
	loop_round(&fake_cpu);
	assert_int_equal(r->head, 3 * TRACE_RING_EVENTS);
	trace_pause(false);

	/* Turning it on again starts from an empty ring. */
	observe_set_trace(false);
	observe_set_trace(true);
	assert_int_equal(r->head, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_services_and_sets_are_counted_exactly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_off_records_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_timing_measures_from_the_round_start_to_callback_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clients_set_later_are_timed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_inside_a_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_cpus_with_a_lent_ring_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_records_a_round_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trace_records_sleep_and_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_keeps_the_newest_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
