/* The shell's observation and load commands (see shell_tools.h). */
#include "capsules/shell.h"
#include "capsules/shell_parse.h"
#include "capsules/shell_tools.h"
#include "kernel/observe.h"
#include "kernel/string.h"

#define FLOOD_ORDER_PER_LINE 10

static const struct shell_tools *tools(struct shell *sh)
{
	static const struct shell_tools none;
	return sh->board.tools ? sh->board.tools : &none;
}

static bool have(struct shell *sh, const void *capsule, const char *cmd)
{
	if (capsule)
		return true;
	shell_say(sh, "%s: this board has none\n", cmd);
	sh->stats.errors++;
	return false;
}

static void usage(struct shell *sh, const char *text)
{
	shell_say(sh, "%s\n", text);
	sh->stats.errors++;
}

/* --- stats ------------------------------------------------------------ */

static void stats_line(void *ctx, const char *line)
{
	shell_say(ctx, "%s", line);
}

void shell_cmd_stats(struct shell *sh, int argc, char **argv)
{
	struct stats *st = tools(sh)->stats;

	if (!have(sh, st, "stats"))
		return;
	if (argc == 1) {
		stats_print(st, stats_line, sh);
		return;
	}
	if (argc == 2 && !strcmp(argv[1], "reset")) {
		stats_reset(st);
		shell_say(sh, "stats: reset; counting from now\n");
		return;
	}
	if (argc == 3 && !strcmp(argv[1], "timing") &&
	    (!strcmp(argv[2], "on") || !strcmp(argv[2], "off"))) {
		observe_set_timing(!strcmp(argv[2], "on"));
		shell_say(sh, "stats: timing %s\n", argv[2]);
		return;
	}
	usage(sh, "stats: usage: stats [reset | timing on|off]");
}

/* --- trace ------------------------------------------------------------ */

static void dump_done(void *ctx, uint64_t lines)
{
	struct shell *sh = ctx;

	shell_say(sh, "trace: dumped %llu lines\n", (unsigned long long)lines);
	shell_answer_done(sh);
}

void shell_cmd_trace(struct shell *sh, int argc, char **argv)
{
	struct trace_dump *d = tools(sh)->trace_dump;

	if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
		bool on = !strcmp(argv[1], "on");
		observe_set_trace(on);
		shell_say(sh, "trace: %s%s\n", argv[1], on ? " (rings emptied)" : "");
		return;
	}
	if (argc == 2 && !strcmp(argv[1], "dump")) {
		if (!have(sh, d, "trace dump"))
			return;
		sh->tools.dump_client = (struct trace_dump_client){ .ctx = sh, .done = dump_done };
		if (trace_dump_start(d, &sh->tools.dump_client) != 0) {
			usage(sh, "trace: a dump is already under way");
			return;
		}
		shell_answer_later(sh);
		return;
	}
	if (argc == 1) {
		shell_say(sh, "trace: %s\n", trace_is_on() ? "on" : "off");
		return;
	}
	usage(sh, "trace: usage: trace [on | off | dump]");
}

/* --- busy ------------------------------------------------------------- */

void shell_cmd_busy(struct shell *sh, int argc, char **argv)
{
	struct busy *b = tools(sh)->busy;
	struct busy_status st;
	uint64_t ms, times = 1, gap = 0;

	if (!have(sh, b, "busy"))
		return;
	if (argc == 2 && !strcmp(argv[1], "stop")) {
		busy_stop(b);
		shell_say(sh, "busy: stopped\n");
		return;
	}
	if (argc == 1) {
		busy_get_status(b, &st);
		shell_say(sh, "busy: %s; %llu burns done, longest %llu us\n",
			  st.running ? "running" : "idle", (unsigned long long)st.burns,
			  (unsigned long long)st.longest_us);
		return;
	}
	if (argc <= 4 && shell_parse_u64(argv[1], BUSY_MAX_MS, &ms) &&
	    (argc < 3 || shell_parse_u64(argv[2], BUSY_MAX_TIMES, &times)) &&
	    (argc < 4 || shell_parse_u64(argv[3], BUSY_MAX_MS, &gap)) &&
	    busy_start(b, ms, times, gap) == 0) {
		shell_say(sh, "busy: %llu callback%s of %llu ms, %llu ms apart\n",
			  (unsigned long long)times, times == 1 ? "" : "s", (unsigned long long)ms,
			  (unsigned long long)gap);
		return;
	}
	shell_say(sh, "busy: usage: busy <ms> [times [gap_ms]] | busy stop; ms 1..%u\n",
		  BUSY_MAX_MS);
	sh->stats.errors++;
}

/* --- sink ------------------------------------------------------------- */

static void sink_done(void *ctx, const struct sink_result *r)
{
	struct shell *sh = ctx;

	shell_say(sh, "sink: %llu bytes, crc32 %08x, %llu us\n", (unsigned long long)r->bytes,
		  (unsigned)r->crc, (unsigned long long)r->us);
	shell_answer_done(sh);
}

void shell_cmd_sink(struct shell *sh, int argc, char **argv)
{
	struct sink *s = tools(sh)->sink;

	if (!have(sh, s, "sink"))
		return;
	sh->tools.sink_client = (struct sink_client){ .ctx = sh, .done = sink_done };
	if (argc != 2 || sink_start(s, argv[1], &sh->tools.sink_client) != 0) {
		shell_say(sh, "sink: usage: sink <terminator>, %u to %u characters\n",
			  SINK_TERM_MIN, SINK_TERM_MAX);
		sh->stats.errors++;
		return;
	}
	/* The sender waits for this line before it sends: the raw read is on. */
	shell_say(sh, "sink: reading until '%s'\n", argv[1]);
	shell_answer_later(sh);
}

/* --- alarms flood ----------------------------------------------------- */

static void flood_done(void *ctx, const struct alarm_flood_result *r)
{
	struct shell *sh = ctx;
	const struct alarm_flood *f = tools(sh)->flood;

	shell_say(sh,
		  "alarms flood: %u set in %llu us, %u fired, %u twice, %u out of order, "
		  "%u missing, max late %llu us, last after %llu us\n",
		  r->count, (unsigned long long)r->set_us, r->fired, r->twice, r->out_of_order,
		  r->missing, (unsigned long long)r->max_late_us, (unsigned long long)r->span_us);
	for (unsigned i = 0; i < r->order_len; i += FLOOD_ORDER_PER_LINE) {
		shell_say(sh, "alarms flood: fired");
		for (unsigned k = i; k < r->order_len && k < i + FLOOD_ORDER_PER_LINE; k++)
			shell_say(sh, " %u@%llu", r->order[k],
				  (unsigned long long)alarm_flood_deadline_us(f, r->order[k]));
		shell_say(sh, "\n");
	}
	shell_answer_done(sh);
}

void shell_cmd_alarm_flood(struct shell *sh, int argc, char **argv)
{
	struct alarm_flood *f = tools(sh)->flood;
	uint64_t count, max_ms, seed = 1;

	if (!have(sh, f, "alarms flood"))
		return;
	sh->tools.flood_client = (struct alarm_flood_client){ .ctx = sh, .done = flood_done };
	if ((argc == 3 || argc == 4) && shell_parse_u64(argv[1], ALARM_FLOOD_MAX, &count) &&
	    shell_parse_u64(argv[2], ALARM_FLOOD_MAX_MS, &max_ms) &&
	    (argc < 4 || shell_parse_u64(argv[3], UINT32_MAX, &seed)) &&
	    alarm_flood_start(f, (unsigned)count, (unsigned)max_ms, (uint32_t)seed,
			      &sh->tools.flood_client) == 0) {
		shell_answer_later(sh);
		return;
	}
	shell_say(sh,
		  "alarms: usage: alarms flood <count> <max_ms> [seed], count 1..%u, "
		  "max_ms 1..%u\n",
		  ALARM_FLOOD_MAX, ALARM_FLOOD_MAX_MS);
	sh->stats.errors++;
}
