/*
 * capsules/stats.h: each row's raised / serviced / coalesced / dropped
 * from the drivers' counters, the loop's and the deferred calls', `stats
 * reset` as a baseline (nobody's counters are touched), and the printed
 * table: one row per declared bit, the latency tables only while timing
 * is on, the loop's line with the longest callback and its capsule; the
 * same source table read by `irqs`, a loss a source cannot see shown as
 * "unknown", and the shell commands (stats_commands.h) on a console-less
 * shell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/shell.h"
#include "capsules/stats.h"
#include "capsules/stats_commands.h"
#include "kernel/deferred.h"
#include "kernel/loop.h"
#include "kernel/observe.h"
#include "kernel/pending.h"
#include "kernel/xcall.h"
#include "fake_arch.h"

static struct stats st;
static struct deferred_call dc;
static struct stats_source_counts dev; /* what the "driver" counted */
static char table[8192];

static void dev_read(void *ctx, struct stats_source_counts *out)
{
	(void)ctx;
	*out = dev;
	out->unit = "bytes";
}

static void nothing(void *ctx)
{
	(void)ctx;
}

static void slow(void *ctx)
{
	(void)ctx;
	for (int i = 0; i < 50; i++)
		(void)arch_cycles();
}

static struct cpu *one_cpu(void *ctx, unsigned i)
{
	(void)ctx;
	return i == 0 ? &fake_cpu : NULL;
}

static const struct stats_source sources[] = {
	{ 2, "com1", dev_read, NULL },
};

static void collect(void *ctx, const char *line)
{
	(void)ctx;
	strncat(table, line, sizeof(table) - strlen(table) - 1);
}

static int setup(void **state)
{
	(void)state;
	const struct stats_board board = {
		.sources = sources,
		.source_count = 1,
		.cpu = one_cpu,
		.cycles_per_second = 1000000, /* a cycle is a microsecond */
	};
	fake_arch_reset();
	loop_reset_for_test();
	observe_set_timing(false);
	observe_set_trace(false);
	observe_reset_for_test();
	dev = (struct stats_source_counts){ 0 };
	table[0] = '\0';
	loop_declare_interrupt(2, "uart");
	loop_set_client(2, "console", nothing, NULL);
	loop_declare_interrupt(4, "nocount");
	loop_set_client(4, "other", nothing, NULL);
	deferred_call_init(&dc, "worker");
	deferred_call_register(&dc, "worker", slow, NULL);
	stats_init(&st, &board);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	observe_set_timing(false);
	return 0;
}

static void test_rows_add_up(void **state)
{
	(void)state;
	struct stats_row r;

	/* 40 bytes arrive in 3 interrupts the loop serves; 1 is lost. */
	dev = (struct stats_source_counts){ .raised = 40, .drained = 39, .dropped = 1 };
	for (int i = 0; i < 3; i++) {
		pending_set(&fake_cpu, 2);
		loop_round(&fake_cpu);
	}
	/* The deferred call is set 5 times, served twice. */
	deferred_call_set(&dc);
	deferred_call_set(&dc);
	deferred_call_set(&dc);
	loop_round(&fake_cpu);
	deferred_call_set(&dc);
	deferred_call_set(&dc);
	loop_round(&fake_cpu);

	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.kind, LOOP_SLOT_INTERRUPT);
	assert_string_equal(r.name, "uart");
	assert_string_equal(r.client, "console");
	assert_string_equal(r.unit, "bytes");
	assert_true(r.have_raised);
	assert_int_equal(r.raised, 40);
	assert_int_equal(r.serviced, 3);
	assert_int_equal(r.coalesced, 37);
	assert_int_equal(r.dropped, 1);

	assert_true(stats_row(&st, dc.bit, &r));
	assert_int_equal(r.kind, LOOP_SLOT_DEFERRED);
	assert_int_equal(r.raised, 5);
	assert_int_equal(r.serviced, 2);
	assert_int_equal(r.coalesced, 3);
	assert_int_equal(r.dropped, 0);

	/* An interrupt source the board gave no counter for. */
	assert_true(stats_row(&st, 4, &r));
	assert_false(r.have_raised);
	/* More services than events (a start-up service that found nothing):
	 * nothing coalesced, not a negative number. */
	dev.raised = 2;
	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.coalesced, 0);
	assert_false(stats_row(&st, 9, &r)); /* not declared */
}

static void test_reset_is_a_baseline(void **state)
{
	(void)state;
	struct stats_row r;

	dev.raised = 10;
	pending_set(&fake_cpu, 2);
	loop_round(&fake_cpu);
	stats_reset(&st);
	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.raised, 0);
	assert_int_equal(r.serviced, 0);
	assert_int_equal(fake_cpu.serviced[2], 1); /* the loop's own counter is untouched */

	dev.raised = 25;
	pending_set(&fake_cpu, 2);
	loop_round(&fake_cpu);
	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.raised, 15);
	assert_int_equal(r.serviced, 1);
	assert_int_equal(r.coalesced, 14);
}

static void test_table_without_timing(void **state)
{
	(void)state;
	dev.raised = 7;
	pending_set(&fake_cpu, 2);
	loop_round(&fake_cpu);
	stats_print(&st, collect, NULL);

	assert_non_null(strstr(table, "since boot; timing off, trace off, top halves plain\n"));
	assert_non_null(strstr(table, "  2 uart           irq            7          1          6"
				      "        0  bytes\n"));
	assert_non_null(strstr(table, "  4 nocount        irq            -          0          -"
				      "        -  (no counter)\n"));
	assert_non_null(strstr(table, " 63 worker         defer          0          0          0"
				      "        0  sets\n"));
	assert_non_null(strstr(table, "latency: timing is off"));
	assert_non_null(strstr(table, "loop cpu0: rounds 1, sleeps 0, wake-ups 0\n"));
	assert_null(strstr(table, "longest"));
}

static void test_table_with_timing(void **state)
{
	(void)state;
	observe_set_timing(true);
	deferred_call_set(&dc);
	loop_round(&fake_cpu);
	stats_print(&st, collect, NULL);

	assert_non_null(strstr(table, "timing on"));
	assert_non_null(strstr(table, "(cycles)\n"));
	assert_non_null(strstr(table, "(microseconds)\n"));
	/* One sample: min = p50 = p99 = max, the slow client's 50-odd reads. */
	char *row = strstr(table, " 63 worker             1  ");
	assert_non_null(row);
	unsigned long long a, b, c, d;
	assert_int_equal(sscanf(row, " 63 worker 1 %llu %llu %llu %llu", &a, &b, &c, &d), 4);
	assert_true(a >= 50 && a == d && b == a && c == a);
	assert_non_null(strstr(table, "longest callback"));
	assert_non_null(strstr(table, "by worker, bit 63; 1 timed\n"));
}

static void test_microseconds_format(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(stats_format_us(buf, sizeof(buf), 2500, 1000000), "2500.000");
	assert_string_equal(stats_format_us(buf, sizeof(buf), 3, 3000000000ull), "0.001");
	assert_string_equal(stats_format_us(buf, sizeof(buf), 60000000000ull, 3000000000ull),
			    "20000000.000");
	assert_string_equal(stats_format_us(buf, sizeof(buf), 5, 0), "?");
	/* Big counts at a fast clock: no overflow. */
	assert_string_equal(stats_format_us(buf, sizeof(buf), UINT64_MAX, 4000000000ull),
			    "4611686018427387.903");
}

static void test_irqs_reads_the_same_table(void **state)
{
	(void)state;
	struct stats_row r;

	/* 12 bytes came in 2 interrupts; the capsule took 11 of them. */
	dev = (struct stats_source_counts){ .raised = 12, .drained = 11, .dropped = 1 };
	for (int i = 0; i < 2; i++) {
		pending_set(&fake_cpu, 2);
		loop_round(&fake_cpu);
	}
	stats_reset(&st); /* `stats` counts from here; `irqs` from boot */
	stats_print_irqs(&st, collect, NULL);
	assert_string_equal(table, "source          raised   serviced    drained\n"
				   "com1                12          2         11 bytes\n"
				   "per cpu: services, or hand-overs to the cpu that runs the "
				   "capsule\n"
				   "  com1       cpu0 2\n");
	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.raised, 0);
	assert_int_equal(r.serviced, 0);
}

/* COM1 routed to CPU 1, which hands each knock to CPU 0's loop (kernel/
 * xcall.h): `irqs` shows both CPUs' counts, and the source's services are
 * CPU 0's only (the hand-overs are not services of the capsule). */
static struct cpu cpu1;

static struct cpu *two_cpus(void *ctx, unsigned i)
{
	(void)ctx;
	return i == 0 ? &fake_cpu : i == 1 ? &cpu1 : NULL;
}

static void test_irqs_per_cpu_with_a_handover(void **state)
{
	(void)state;
	struct stats_row r;
	const struct stats_board board = {
		.sources = sources, .source_count = 1, .cpu = two_cpus, .cycles_per_second = 1
	};

	memset(&cpu1, 0, sizeof(cpu1));
	cpu1.self = &cpu1;
	cpu1.id = 1;
	cpu1.state = CPU_ONLINE;
	fake_cpus[1] = &cpu1;
	fake_cpu.state = CPU_ONLINE;
	stats_init(&st, &board);
	loop_verify();
	fake_arch_set_this_cpu(&cpu1);
	xcall_handover(2, 0);
	for (int i = 0; i < 3; i++) {
		pending_set(&cpu1, 2); /* the interrupt, on CPU 1 */
		loop_round(&cpu1);     /* handed to CPU 0 */
	}
	fake_arch_set_this_cpu(NULL);
	loop_round(&fake_cpu); /* three knocks, one service */
	dev = (struct stats_source_counts){ .raised = 7, .drained = 7 };
	stats_print_irqs(&st, collect, NULL);
	assert_string_equal(table, "source          raised   serviced    drained\n"
				   "com1                 7          1          7 bytes\n"
				   "per cpu: services, or hand-overs to the cpu that runs the "
				   "capsule\n"
				   "  com1       cpu0 1, cpu1 3 (to cpu0)\n");
	assert_true(stats_row(&st, 2, &r));
	assert_int_equal(r.serviced, 1);
	fake_cpus[1] = NULL;
}

/* Many CPUs: the per-CPU line goes on over several, none longer than 100
 * characters, each CPU once. */
static struct cpu many[40];

static struct cpu *many_cpus(void *ctx, unsigned i)
{
	(void)ctx;
	return i < 40 ? &many[i] : NULL;
}

static void test_irqs_per_cpu_wraps_long_lines(void **state)
{
	(void)state;
	const struct stats_board board = {
		.sources = sources, .source_count = 1, .cpu = many_cpus, .cycles_per_second = 1
	};

	memset(many, 0, sizeof(many));
	for (unsigned i = 0; i < 40; i++) {
		many[i].id = i;
		many[i].serviced[2] = 1000 + i;
	}
	stats_init(&st, &board);
	stats_print_irqs(&st, collect, NULL);
	const char *per = strstr(table, "  com1       cpu0 1000, cpu1 1001,");
	assert_non_null(per);
	unsigned lines = 0;
	for (const char *l = per; *l; lines++) {
		const char *end = strchr(l, '\n');
		assert_non_null(end);
		assert_true(end - l <= 100);
		l = end + 1;
	}
	assert_true(lines > 1);
	assert_non_null(strstr(per, "\n             cpu"));
	for (unsigned i = 0; i < 40; i++) {
		char item[16];
		snprintf(item, sizeof(item), "cpu%u %u", i, 1000 + i);
		assert_non_null(strstr(per, item));
	}
	assert_non_null(strstr(per, "cpu39 1039\n"));
}

static void test_irqs_without_sources(void **state)
{
	(void)state;
	const struct stats_board none = { .cpu = one_cpu };
	stats_init(&st, &none);
	stats_print_irqs(&st, collect, NULL);
	assert_string_equal(table, "irqs: the board lists no interrupt sources\n");
}

static void test_a_loss_nobody_can_see_is_unknown(void **state)
{
	(void)state;
	struct stats_row r;

	dev = (struct stats_source_counts){
		.raised = 3, .drained = 3, .dropped = 1, .dropped_unknown = true
	};
	assert_true(stats_row(&st, 2, &r));
	assert_true(r.dropped_unknown);
	stats_print(&st, collect, NULL);
	/* What was counted, and that more may be gone: never a bare number. */
	assert_non_null(strstr(table, "  2 uart           irq            3          0          3"
				      "      1+?  bytes\n"));
}

/* The shell commands, on a shell with no console: each answer is handed
 * to answered(). */
static char said[4096];

static void answered(void *ctx, struct shell *sh)
{
	(void)ctx;
	snprintf(said, sizeof(said), "%.*s", (int)sh->out_len, sh->out);
	sh->out_len = 0;
}

static const char *run(struct shell *sh, const char *line)
{
	snprintf(sh->line, sizeof(sh->line), "%s", line);
	said[0] = '\0';
	shell_run_line(sh);
	return said;
}

static void test_stats_commands(void **state)
{
	(void)state;
	static struct shell sh;
	static struct stats_commands cmds;

	shell_init_console_less(&sh, answered, NULL);
	stats_commands_init(&cmds, &st);
	shell_register(&sh, &cmds.set);
	assert_false(observe_timing_is_on());
	assert_string_equal(run(&sh, "stats timing on"), "stats: timing on\n");
	assert_true(observe_timing_is_on());
	assert_string_equal(run(&sh, "stats timing off"), "stats: timing off\n");
	assert_false(observe_timing_is_on());
	assert_string_equal(run(&sh, "stats timing maybe"),
			    "stats: usage: stats [reset | timing on|off]\n");
	assert_string_equal(run(&sh, "stats reset"), "stats: reset; counting from now\n");
	assert_true(st.was_reset);
	assert_non_null(strstr(run(&sh, "stats"), "since 'stats reset'; timing off"));
	dev.raised = 5;
	assert_string_equal(run(&sh, "irqs"),
			    "source          raised   serviced    drained\n"
			    "com1                 5          0          0 bytes\n"
			    "per cpu: services, or hand-overs to the cpu that runs the capsule\n"
			    "  com1       none\n");
	assert_int_equal(sh.stats.errors, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_add_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_is_a_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_without_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_with_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_microseconds_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs_reads_the_same_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs_per_cpu_with_a_handover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs_per_cpu_wraps_long_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_irqs_without_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_loss_nobody_can_see_is_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stats_commands, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
