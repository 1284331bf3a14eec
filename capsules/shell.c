/*
 * shell (see shell.h): the registry of command sets, an output buffer
 * drained into the console, and the line after the answer.
 */
#include "capsules/shell.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/panic.h"
#include "kernel/string.h"

#ifndef KNOCK_VERSION
#define KNOCK_VERSION "unknown"
#endif

/* Kept free at the end of the buffer for the note that an answer was cut. */
#define OUT_NOTE_ROOM 48

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

void shell_say(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(sh, fmt, ap);
	va_end(ap);
}

void shell_fail(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(sh, fmt, ap);
	va_end(ap);
	sh->stats.errors++;
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

/* The answer is all in the console: ask for the next line (or do what the
 * command asked for instead). */
static void answer_done(struct shell *sh)
{
	sh->out_len = sh->out_sent = 0;
	sh->out_cut = false;
	if (sh->answer_later)
		return; /* its capsule calls shell_answer_done() when it is */
	if (sh->after) {
		sh->after(sh->after_ctx);
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
		/* A console-less shell: a finished answer goes to whoever
		 * made it (shell_smp.c hands it back to the asking CPU). */
		if (!sh->answer_later && sh->answered)
			sh->answered(sh->answered_ctx, sh);
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

/* The shell is only ever not reading while a command runs (no alarm or
 * heartbeat report comes then) or while it waits for room, and then the
 * room callback's flush takes the message too. */
void shell_notify(struct shell *sh, const char *msg, size_t len)
{
	if (!sh->console) {
		/* Its buffer may be the asking CPU's shell's right now. */
		sh->stats.notes_dropped++;
		return;
	}
	if (sh->reading) {
		console_write_line(sh->console, msg, len);
		return;
	}
	shell_say(sh, "%.*s", (int)len, msg);
}

/* --- the registry ------------------------------------------------------ */

static bool has_blank(const char *w)
{
	for (; *w; w++)
		if (*w == ' ')
			return true;
	return false;
}

/* How many of the line's first words `name` is (0: it is not them). A
 * quoted word with a blank ("alarms flood") is one word: no name's. */
static int name_matches(const char *name, int argc, char **argv)
{
	int words = 0;

	while (*name) {
		if (words == argc || has_blank(argv[words]))
			return 0;
		size_t n = strlen(argv[words]);
		if (strncmp(name, argv[words], n) != 0 || (name[n] != ' ' && name[n] != '\0'))
			return 0;
		name += n;
		words++;
		if (*name == ' ')
			name++;
	}
	return words;
}

/* The command `argv` names (the one whose name matches the most words),
 * its set, and how many of argv's words its name took. */
static const struct shell_command *find(const struct shell *sh, int argc, char **argv,
					const struct shell_command_set **set_out, int *words_out)
{
	const struct shell_command *best = NULL;
	int best_words = 0;

	for (const struct shell_command_set *s = sh->sets; s; s = s->next) {
		for (unsigned i = 0; i < s->count; i++) {
			int w = name_matches(s->cmds[i].name, argc, argv);
			if (w > best_words) {
				best = &s->cmds[i];
				best_words = w;
				*set_out = s;
				*words_out = w;
			}
		}
	}
	return best;
}

static const struct shell_command_set *set_with(const struct shell *sh, const char *name)
{
	for (const struct shell_command_set *s = sh->sets; s; s = s->next)
		for (unsigned i = 0; i < s->count; i++)
			if (!strcmp(s->cmds[i].name, name))
				return s;
	return NULL;
}

void shell_register(struct shell *sh, struct shell_command_set *set)
{
	struct shell_command_set **tail = &sh->sets;

	for (unsigned i = 0; i < set->count; i++) {
		const char *name = set->cmds[i].name;
		const struct shell_command_set *other = set_with(sh, name);
		for (unsigned j = 0; !other && j < i; j++)
			if (!strcmp(set->cmds[j].name, name))
				other = set;
		if (other)
			panic("shell: command '%s' of set '%s' is already in set '%s'", name,
			      set->name, other->name);
	}
	while (*tail) {
		if (*tail == set)
			panic("shell: set '%s' registered twice", set->name);
		tail = &(*tail)->next;
	}
	set->next = NULL;
	set->shell = sh;
	*tail = set;
}

/* --- the shell's own commands ------------------------------------------ */

static void cmd_help(struct shell *sh, void *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	shell_say(sh, "commands:\n");
	for (const struct shell_command_set *s = sh->sets; s; s = s->next) {
		shell_say(sh, "%s:\n", s->name);
		for (unsigned i = 0; i < s->count; i++) {
			const struct shell_command *c = &s->cmds[i];
			shell_say(sh, "  %-9s %-22s %s\n", c->name, c->args, c->help);
		}
	}
}

static void cmd_version(struct shell *sh, void *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	shell_say(sh, "knock %s\n", KNOCK_VERSION);
}

static void cmd_echo(struct shell *sh, void *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		shell_say(sh, "%s%s", i > 1 ? " " : "", argv[i]);
	shell_say(sh, "\n");
}

static const struct shell_command own_commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "version", "", "the kernel's version", cmd_version },
	{ "echo", "<text>", "print the text", cmd_echo },
};

/* --- lines in ---------------------------------------------------------- */

static void run_line(struct shell *sh, char *line)
{
	struct shell_words w;
	enum shell_parse_status st = shell_split(line, &w);
	const struct shell_command_set *set = NULL;

	if (st != SHELL_PARSE_OK) {
		shell_fail(sh, "error: %s\n", shell_parse_status_text(st));
		return;
	}
	if (w.argc == 0)
		return;
	int words = 0;
	const struct shell_command *c = find(sh, w.argc, w.argv, &set, &words);
	if (!c) {
		shell_fail(sh, "error: unknown command '%s' (type 'help' for the list)\n",
			   w.argv[0]);
		return;
	}
	/* A command whose help shows no arguments refuses them, here for
	 * all, rather than each ignoring what was typed after it (or not). */
	if (!c->args[0] && w.argc > words) {
		shell_fail(sh, "%s: usage: %s (no arguments)\n", c->name, c->name);
		return;
	}
	sh->stats.commands++;
	c->run(sh, set->ctx, w.argc, w.argv);
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

void shell_after_answer(struct shell *sh, void (*after)(void *ctx), void *ctx)
{
	sh->after = after;
	sh->after_ctx = ctx;
}

void shell_run_line(struct shell *sh)
{
	on_line(sh, sh->line, strlen(sh->line));
}

static void shell_deferred(void *ctx)
{
	struct shell *sh = ctx;

	if (!sh->started) {
		sh->started = true;
		shell_say(sh, "knock shell: type 'help' for the commands\n");
	}
	if (!sh->reading)
		flush(sh);
}

static void init_common(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->own = (struct shell_command_set){
		.name = "shell",
		.cmds = own_commands,
		.count = sizeof(own_commands) / sizeof(own_commands[0]),
	};
	shell_register(sh, &sh->own);
}

void shell_init(struct shell *sh, struct console *console)
{
	init_common(sh);
	sh->console = console;
	sh->reader = (struct console_line_client){ .ctx = sh, .line = on_line };
	sh->room = (struct console_room_client){ .ctx = sh, .room = on_room };
	deferred_call_init(&sh->dc, "shell");
	deferred_call_register(&sh->dc, "shell", shell_deferred, sh);
}

void shell_init_console_less(struct shell *sh, void (*answered)(void *ctx, struct shell *sh),
			     void *ctx)
{
	init_common(sh);
	sh->answered = answered;
	sh->answered_ctx = ctx;
}

void shell_start(struct shell *sh)
{
	deferred_call_set(&sh->dc);
}
