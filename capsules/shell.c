/*
 * shell (see shell.h): one table of commands, an output buffer drained
 * into the console, and the line after the answer.
 */
#include "capsules/shell.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

#ifndef KNOCK_VERSION
#define KNOCK_VERSION "unknown"
#endif

/* Kept free at the end of the buffer for the note that an answer was cut. */
#define OUT_NOTE_ROOM 48

struct shell_command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(struct shell *sh, int argc, char **argv);
};

static void cmd_help(struct shell *sh, int argc, char **argv);

/* --- output ------------------------------------------------------------ */

__attribute__((format(printf, 2, 0))) static void vsay(struct shell *sh, const char *fmt,
						       va_list ap)
{
	size_t limit = sizeof(sh->out) - OUT_NOTE_ROOM;

	if (sh->out_cut || sh->out_len >= limit) {
		sh->out_cut = true;
		return;
	}
	int n = kvsnprintf(sh->out + sh->out_len, limit - sh->out_len, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= limit - sh->out_len) {
		/* Keep whole lines only: drop the piece that did not fit. */
		sh->out_cut = true;
		return;
	}
	sh->out_len += (size_t)n;
}

__attribute__((format(printf, 2, 3))) static void say(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(sh, fmt, ap);
	va_end(ap);
}

void shell_say(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(sh, fmt, ap);
	va_end(ap);
}

static void end_answer(struct shell *sh)
{
	if (!sh->out_cut)
		return;
	sh->stats.output_cut++;
	sh->out_cut = false;
	int n = ksnprintf(sh->out + sh->out_len, sizeof(sh->out) - sh->out_len,
			  "(answer cut: more than %u bytes)\n", SHELL_OUT_MAX - OUT_NOTE_ROOM);
	if (n > 0)
		sh->out_len += (size_t)n;
}

static void reboot_now(void *ctx, struct alarm *a)
{
	struct shell *sh = ctx;
	(void)a;
	sh->board.reset->reset(sh->board.reset->hw);
}

/* The answer is all in the console: ask for the next line (or reboot). */
static void answer_done(struct shell *sh)
{
	sh->out_len = sh->out_sent = 0;
	sh->out_cut = false;
	if (sh->answer_later)
		return; /* its capsule calls shell_answer_done() when it is */
	if (sh->reboot_requested) {
		if (!sh->mux) {
			reboot_now(sh, NULL);
			return;
		}
		alarm_init(&sh->reboot_alarm, "shell reboot", reboot_now, sh);
		alarm_set_oneshot(sh->mux, &sh->reboot_alarm,
				  alarm_mux_ms_to_ticks(sh->mux, SHELL_REBOOT_DELAY_MS));
		return;
	}
	int r = console_read_line(sh->console, SHELL_PROMPT, sh->line, sizeof(sh->line),
				  &sh->reader);
	sh->reading = r == 0;
}

/* Give the console what it takes; wait for room for the rest. */
static void flush(struct shell *sh)
{
	if (!sh->console) {
		/* Another CPU's shell: a finished answer goes back to the
		 * shell that asked for it (shell_smp.c). */
		if (!sh->answer_later)
			shell_remote_answer_ready(sh);
		return;
	}
	while (sh->out_sent < sh->out_len) {
		size_t n = console_write(sh->console, sh->out + sh->out_sent,
					 sh->out_len - sh->out_sent);
		sh->out_sent += n;
		if (n == 0) {
			sh->stats.room_waits++;
			/* Too many waiters: retry from our own deferred call. */
			if (console_notify_when_room(sh->console, &sh->room) != 0)
				deferred_call_set(&sh->dc);
			return;
		}
	}
	answer_done(sh);
}

static void on_room(void *ctx)
{
	flush(ctx);
}

/* A message not asked for (an alarm): above the prompt when the prompt is
 * up, else after the answer being written. The shell is only ever not
 * reading while a command runs (no alarm or heartbeat report comes then)
 * or while it waits for room, and then the room callback's flush takes
 * the message too. */
static void notify(struct shell *sh, const char *msg, size_t n)
{
	if (!sh->console) {
		/* Another CPU's shell: its buffer may be the asker's now. */
		sh->remote.notes_dropped++;
		return;
	}
	if (sh->reading) {
		console_write_line(sh->console, msg, n);
		return;
	}
	say(sh, "%.*s", (int)n, msg);
}

/* --- alarms ------------------------------------------------------------ */

static uint64_t ticks_to_ms(const struct shell *sh, uint64_t ticks)
{
	return alarm_mux_ticks_to_us(sh->mux, ticks) / 1000;
}

static void alarm_fired(void *ctx, struct alarm *al)
{
	struct shell_alarm *a = ctx;
	struct shell *sh = a->shell;
	uint64_t now = alarm_mux_now(sh->mux);
	uint64_t late_us = alarm_mux_ticks_to_us(sh->mux, now - al->last_deadline);
	char msg[224];
	int n;

	if (a->periodic) {
		/* The raw deadline and period let a test check "no drift"
		 * exactly: deadline == (fired + missed) * period. */
		n = ksnprintf(msg, sizeof(msg),
			      "alarm %u fired #%llu (every %llu ms, late %llu us, missed %llu) "
			      "deadline set+%llu ticks, period %llu ticks\n",
			      a->id, (unsigned long long)al->fired, (unsigned long long)a->ms,
			      (unsigned long long)late_us, (unsigned long long)al->missed,
			      (unsigned long long)(al->last_deadline - a->set_at),
			      (unsigned long long)al->period);
	} else {
		uint64_t us = alarm_mux_ticks_to_us(sh->mux, now - a->set_at);
		n = ksnprintf(
			msg, sizeof(msg),
			"alarm %u fired %llu.%03llu ms after it was set (asked %llu ms, late %llu us)\n",
			a->id, (unsigned long long)(us / 1000), (unsigned long long)(us % 1000),
			(unsigned long long)a->ms, (unsigned long long)late_us);
		a->id = 0; /* one-shot: the slot is free again */
	}
	if (n > 0)
		notify(sh, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static struct shell_alarm *find_alarm(struct shell *sh, unsigned id)
{
	for (unsigned i = 0; i < SHELL_ALARMS; i++)
		if (id && sh->alarms[i].id == id)
			return &sh->alarms[i];
	return NULL;
}

static bool have_clock(struct shell *sh, const char *cmd)
{
	if (sh->mux)
		return true;
	say(sh, "%s: no clock (the board wired no timer)\n", cmd);
	sh->stats.errors++;
	return false;
}

static void cmd_alarm(struct shell *sh, int argc, char **argv)
{
	uint64_t ms;
	bool periodic = argc == 3 && !strcmp(argv[2], "periodic");

	if (!have_clock(sh, "alarm"))
		return;
	if (argc < 2 || argc > 3 || (argc == 3 && !periodic) ||
	    !shell_parse_u64(argv[1], SHELL_ALARM_MAX_MS, &ms) || ms == 0) {
		say(sh, "alarm: usage: alarm <ms> [periodic], ms from 1 to %u\n",
		    SHELL_ALARM_MAX_MS);
		sh->stats.errors++;
		return;
	}
	if (periodic && ms < SHELL_PERIODIC_MIN_MS) {
		say(sh, "alarm: a periodic alarm needs at least %u ms\n", SHELL_PERIODIC_MIN_MS);
		sh->stats.errors++;
		return;
	}
	struct shell_alarm *a = NULL;
	for (unsigned i = 0; !a && i < SHELL_ALARMS; i++)
		if (sh->alarms[i].id == 0)
			a = &sh->alarms[i];
	if (!a) {
		say(sh, "alarm: all %u alarms are in use (see 'alarms', 'alarms cancel <id>')\n",
		    SHELL_ALARMS);
		sh->stats.errors++;
		return;
	}
	a->shell = sh;
	a->id = ++sh->next_alarm_id;
	a->ms = ms;
	a->periodic = periodic;
	alarm_init(&a->alarm, "shell alarm", alarm_fired, a);
	uint64_t ticks = alarm_mux_ms_to_ticks(sh->mux, ms);
	if (periodic)
		alarm_set_periodic(sh->mux, &a->alarm, ticks);
	else
		alarm_set_oneshot(sh->mux, &a->alarm, ticks);
	/* The mux's own "now" when it took the alarm: the origin of a
	 * periodic alarm's grid (k-th deadline = set_at + k * period). */
	a->set_at = a->alarm.deadline - ticks;
	say(sh, "alarm %u: fires %s %llu ms\n", a->id, periodic ? "every" : "in",
	    (unsigned long long)ms);
}

static void cmd_alarms(struct shell *sh, int argc, char **argv)
{
	uint64_t id;

	if (!have_clock(sh, "alarms"))
		return;
	if (argc >= 2 && !strcmp(argv[1], "flood")) {
		shell_cmd_alarm_flood(sh, argc - 1, argv + 1);
		return;
	}
	if (argc == 3 && !strcmp(argv[1], "cancel")) {
		struct shell_alarm *a = NULL;
		if (shell_parse_u64(argv[2], UINT32_MAX, &id))
			a = find_alarm(sh, (unsigned)id);
		if (!a) {
			say(sh, "alarms: no alarm '%s' (see 'alarms')\n", argv[2]);
			sh->stats.errors++;
			return;
		}
		alarm_cancel(sh->mux, &a->alarm);
		say(sh, "alarm %u cancelled\n", a->id);
		a->id = 0;
		return;
	}
	if (argc != 1) {
		say(sh, "alarms: usage: alarms [cancel <id>]\n");
		sh->stats.errors++;
		return;
	}
	uint64_t now = alarm_mux_now(sh->mux);
	unsigned shown = 0;
	for (unsigned i = 0; i < SHELL_ALARMS; i++) {
		const struct shell_alarm *a = &sh->alarms[i];
		if (!a->id)
			continue;
		if (!shown++)
			say(sh, "  id  kind        every/in ms   due in ms   fired\n");
		uint64_t due = (int64_t)(a->alarm.deadline - now) > 0 ? a->alarm.deadline - now : 0;
		say(sh, "%4u  %-10s  %11llu   %9llu   %5llu\n", a->id,
		    a->periodic ? "periodic" : "one-shot", (unsigned long long)a->ms,
		    (unsigned long long)ticks_to_ms(sh, due), (unsigned long long)a->alarm.fired);
	}
	if (!shown)
		say(sh, "no alarms (set one with 'alarm <ms> [periodic]')\n");
}

/* --- heartbeat (capsules/heartbeat.h) ---------------------------------- */

#define SHELL_HEARTBEAT_DEFAULT_S 1

/* The heartbeat's client. Both callbacks come from the loop, never from
 * inside the heartbeat_start()/heartbeat_stop() that cmd_heartbeat made,
 * so the answer to `heartbeat on` arrives after the command's own (empty)
 * answer, like any message, above the prompt. */
static void heartbeat_changed(void *ctx, const struct heartbeat_status *st)
{
	struct shell *sh = ctx;
	char msg[64];
	int n;

	if (st->on)
		n = ksnprintf(msg, sizeof(msg), "heartbeat: on, every %u s\n", st->period_s);
	else
		n = ksnprintf(msg, sizeof(msg), "heartbeat: off (%llu beat%s)\n",
			      (unsigned long long)st->beats, st->beats == 1 ? "" : "s");
	if (n > 0)
		notify(sh, msg, (size_t)n);
}

/* `line` is the heartbeat's, lent for this call: notify() copies it. */
static void heartbeat_beat(void *ctx, const char *line, size_t len)
{
	notify(ctx, line, len);
}

static void cmd_heartbeat(struct shell *sh, int argc, char **argv)
{
	struct heartbeat *hb = sh->board.heartbeat;
	struct heartbeat_status st;
	uint64_t s = SHELL_HEARTBEAT_DEFAULT_S;

	if (!hb) {
		say(sh, "heartbeat: this board has no heartbeat\n");
		sh->stats.errors++;
		return;
	}
	if (argc == 1) {
		heartbeat_get_status(hb, &st);
		if (st.on)
			say(sh, "heartbeat: on, every %u s; beats %llu, missed %llu\n", st.period_s,
			    (unsigned long long)st.beats, (unsigned long long)st.missed);
		else
			say(sh, "heartbeat: off\n");
		return;
	}
	if (argc == 2 && !strcmp(argv[1], "off")) {
		heartbeat_stop(hb);
		return;
	}
	if (argc <= 3 && !strcmp(argv[1], "on") &&
	    (argc == 2 || shell_parse_u64(argv[2], HEARTBEAT_MAX_PERIOD_S, &s)) &&
	    heartbeat_start(hb, (unsigned)s) == 0)
		return;
	say(sh, "heartbeat: usage: heartbeat [on [seconds] | off], seconds from 1 to %u\n",
	    HEARTBEAT_MAX_PERIOD_S);
	sh->stats.errors++;
}

/* --- the other commands ------------------------------------------------ */

static void cmd_version(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	say(sh, "knock %s\n", KNOCK_VERSION);
}

static void cmd_uptime(struct shell *sh, int argc, char **argv)
{
	char up[32];

	(void)argc;
	(void)argv;
	if (!have_clock(sh, "uptime"))
		return;
	uint64_t us = alarm_mux_ticks_to_us(sh->mux, alarm_mux_now(sh->mux));
	shell_format_uptime(up, sizeof(up), us);
	say(sh, "up %s (%llu us)\n", up, (unsigned long long)us);
}

static void cmd_echo(struct shell *sh, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		say(sh, "%s%s", i > 1 ? " " : "", argv[i]);
	say(sh, "\n");
}

static void cmd_keys(struct shell *sh, int argc, char **argv)
{
	struct keyboard_recent_entry recent[SHELL_KEYS_SHOWN];
	struct keyboard_stats st;
	char text[80];

	(void)argc;
	(void)argv;
	if (!sh->keyboard) {
		say(sh, "keys: no keyboard\n");
		sh->stats.errors++;
		return;
	}
	size_t n = keyboard_recent(sh->keyboard, recent, SHELL_KEYS_SHOWN);
	if (n == 0)
		say(sh, "no keyboard input yet\n");
	else
		say(sh, "last %zu keyboard events, oldest first (bytes, meaning):\n", n);
	for (size_t i = 0; i < n; i++) {
		keyboard_describe(&recent[i], text, sizeof(text));
		say(sh, "  %s\n", text);
	}
	keyboard_get_stats(sh->keyboard, &st);
	say(sh, "bytes %llu, key events %llu, unknown %llu, broken sequences %llu\n",
	    (unsigned long long)st.bytes, (unsigned long long)st.keys,
	    (unsigned long long)st.unknown, (unsigned long long)st.sequence_errors);
}

static void cmd_irqs(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!sh->board.irq_source_count) {
		say(sh, "irqs: the board lists no interrupt sources\n");
		return;
	}
	say(sh, "source          raised   serviced    drained\n");
	for (unsigned i = 0; i < sh->board.irq_source_count; i++) {
		const struct shell_irq_source *src = &sh->board.irq_sources[i];
		struct shell_irq_counts c = { 0, 0, 0, "" };
		src->read(src->ctx, &c);
		say(sh, "%-10s %11llu %10llu %10llu %s\n", src->name, (unsigned long long)c.raised,
		    (unsigned long long)c.serviced, (unsigned long long)c.drained,
		    c.unit ? c.unit : "");
	}
}

static void cmd_reboot(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!sh->board.reset) {
		say(sh, "reboot: this board gave the shell no way to reset\n");
		sh->stats.errors++;
		return;
	}
	say(sh, "rebooting\n");
	sh->reboot_requested = true;
}

static void cmd_fault(struct shell *sh, int argc, char **argv)
{
	const char *kinds = sh->board.fault_kinds ? sh->board.fault_kinds : "none";

	if (!sh->board.fault) {
		say(sh, "fault: this board gave the shell no fault hook\n");
		sh->stats.errors++;
		return;
	}
	if (argc != 2) {
		say(sh, "fault: usage: fault <kind>, kinds: %s\n", kinds);
		sh->stats.errors++;
		return;
	}
	if (sh->board.fault(argv[1])) {
		say(sh, "fault: '%s' was reported and the system resumed\n", argv[1]);
		return;
	}
	say(sh, "fault: unknown kind '%s'; kinds: %s\n", argv[1], kinds);
	sh->stats.errors++;
}

static void bench_line(void *arg, const char *text)
{
	say(arg, "bench: %s\n", text);
}

static void cmd_bench(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!sh->board.bench) {
		say(sh, "bench: this board measures nothing\n");
		sh->stats.errors++;
		return;
	}
	sh->board.bench(bench_line, sh);
}

/* --- storm (capsules/storm.h) ------------------------------------------ */

/* From the storm's service, in the loop, when it is over. */
static void storm_done(void *ctx, const struct storm_result *r)
{
	struct shell *sh = ctx;
	char msg[128];
	uint64_t per_s = r->us ? r->interrupts * 1000000 / r->us : 0;
	int n = ksnprintf(msg, sizeof(msg), "storm: over: %llu interrupts in %llu ms (%llu/s)\n",
			  (unsigned long long)r->interrupts, (unsigned long long)(r->us / 1000),
			  (unsigned long long)per_s);

	if (n > 0)
		notify(sh, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static void cmd_storm(struct shell *sh, int argc, char **argv)
{
	uint64_t ms;

	if (!sh->board.storm) {
		say(sh, "storm: this board has no storm source\n");
		sh->stats.errors++;
		return;
	}
	if (argc != 2 || !shell_parse_u64(argv[1], STORM_MAX_MS, &ms) || ms == 0) {
		say(sh, "storm: usage: storm <ms>, ms from 1 to %u\n", STORM_MAX_MS);
		sh->stats.errors++;
		return;
	}
	sh->storm_client = (struct storm_client){ .ctx = sh, .done = storm_done };
	if (storm_start(sh->board.storm, ms, &sh->storm_client) != 0) {
		say(sh, "storm: one is already raging\n");
		sh->stats.errors++;
		return;
	}
	say(sh, "storm: an interrupt that re-raises itself on every service, for %llu ms\n",
	    (unsigned long long)ms);
}

static const struct shell_command commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "version", "", "the kernel's version", cmd_version },
	{ "uptime", "", "time since boot, from the calibrated clock", cmd_uptime },
	{ "echo", "<text>", "print the text", cmd_echo },
	{ "alarm", "<ms> [periodic]", "set an alarm that prints when it fires", cmd_alarm },
	{ "alarms", "[cancel <id> | flood]", "list, cancel; flood: many at once", cmd_alarms },
	{ "keys", "", "recent keyboard bytes and the keys they made", cmd_keys },
	{ "irqs", "", "per interrupt source: raised, serviced, drained", cmd_irqs },
	{ "bench", "", "interrupt latency figures (stubs=stamped)", cmd_bench },
	{ "heartbeat", "[on [s] | off]", "a line every s seconds (default 1)", cmd_heartbeat },
	{ "stats", "[reset|timing on|off]", "what the loop did, per source", shell_cmd_stats },
	{ "trace", "[on | off | dump]", "record loop events; dump them", shell_cmd_trace },
	{ "busy", "<ms> [times [gap]]", "long callbacks on purpose", shell_cmd_busy },
	{ "sink", "<terminator>", "count and CRC serial input", shell_cmd_sink },
	{ "cpus", "", "every CPU: APIC id, state, loop counters, IPIs", shell_cmd_cpus },
	{ "smptest", "<n>", "all CPUs add n to two shared counters", shell_cmd_smptest },
	{ "ping", "", "every CPU knocks on every other", shell_cmd_ping },
	{ "on", "<cpu> <command>", "run a command on another CPU", shell_cmd_on },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ "fault", "<kind>", "provoke a CPU exception (for tests)", cmd_fault },
	{ "storm", "<ms>", "an interrupt storm (for tests)", cmd_storm },
};
static const size_t command_count = sizeof(commands) / sizeof(commands[0]);

static void cmd_help(struct shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	say(sh, "commands:\n");
	for (size_t i = 0; i < command_count; i++) {
		const struct shell_command *c = &commands[i];
		say(sh, "  %-9s %-22s %s\n", c->name, c->args, c->help);
	}
}

/* --- lines in ---------------------------------------------------------- */

static void run_line(struct shell *sh, char *line)
{
	struct shell_words w;
	enum shell_parse_status st = shell_split(line, &w);

	if (st != SHELL_PARSE_OK) {
		say(sh, "error: %s\n", shell_parse_status_text(st));
		sh->stats.errors++;
		return;
	}
	if (w.argc == 0)
		return;
	for (size_t i = 0; i < command_count; i++) {
		if (!strcmp(w.argv[0], commands[i].name)) {
			sh->stats.commands++;
			commands[i].run(sh, w.argc, w.argv);
			return;
		}
	}
	say(sh, "error: unknown command '%s' (type 'help' for the list)\n", w.argv[0]);
	sh->stats.errors++;
}

static void on_line(void *ctx, char *buf, size_t len)
{
	struct shell *sh = ctx;

	(void)len; /* NUL-terminated: the buffer is longer than any line */
	sh->reading = false;
	run_line(sh, buf);
	if (!sh->answer_later)
		end_answer(sh);
	flush(sh);
}

void shell_answer_later(struct shell *sh)
{
	sh->answer_later = true;
}

void shell_answer_done(struct shell *sh)
{
	sh->answer_later = false;
	end_answer(sh);
	flush(sh);
}

void shell_run_request(struct shell *sh)
{
	on_line(sh, sh->line, strlen(sh->line));
}

static void shell_deferred(void *ctx)
{
	struct shell *sh = ctx;

	if (!sh->started) {
		sh->started = true;
		say(sh, "knock shell: type 'help' for the commands\n");
	}
	if (!sh->reading)
		flush(sh);
}

void shell_init(struct shell *sh, struct console *console, struct alarm_mux *mux,
		const struct keyboard *keyboard, const struct shell_board *board)
{
	memset(sh, 0, sizeof(*sh));
	sh->console = console;
	sh->mux = mux;
	sh->keyboard = keyboard;
	if (board)
		sh->board = *board;
	sh->reader = (struct console_line_client){ .ctx = sh, .line = on_line };
	sh->room = (struct console_room_client){ .ctx = sh, .room = on_room };
	deferred_call_init(&sh->dc, "shell");
	deferred_call_register(&sh->dc, "shell", shell_deferred, sh);
	if (sh->board.heartbeat) {
		sh->heartbeat_client = (struct heartbeat_client){
			.ctx = sh,
			.changed = heartbeat_changed,
			.beat = heartbeat_beat,
		};
		heartbeat_set_client(sh->board.heartbeat, &sh->heartbeat_client);
	}
}

void shell_start(struct shell *sh)
{
	deferred_call_set(&sh->dc);
}
