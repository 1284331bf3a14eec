/*
 * The shell on other CPUs and `on` (shell_smp.h).
 */
#include "capsules/shell_smp.h"
#include "capsules/shell_parse.h"
#include "kernel/cpus.h"
#include "kernel/string.h"

/* The words back into one line for the other shell to split again: words
 * with blanks, quotes or backslashes are quoted (shell_parse.h's rules).
 * Returns false if it does not fit. */
static bool needs_quotes(const char *w)
{
	for (; *w; w++)
		if (*w == ' ' || *w == '\t' || *w == '"' || *w == '\\')
			return true;
	return false;
}

static bool join_words(char *out, size_t size, int argc, char **argv)
{
	size_t used = 0;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		bool quote = !*w || needs_quotes(w);
		if (i && used + 1 < size)
			out[used++] = ' ';
		if (quote && used + 1 < size)
			out[used++] = '"';
		for (; *w && used + 2 < size; w++) {
			if (quote && (*w == '"' || *w == '\\'))
				out[used++] = '\\';
			out[used++] = *w;
		}
		if (*w)
			return false;
		if (quote && used + 1 < size)
			out[used++] = '"';
		if (used + 1 >= size)
			return false;
	}
	out[used] = '\0';
	return true;
}

static void on_timeout(void *ctx, struct alarm *a)
{
	struct shell_remote *me = ctx;
	struct shell *sh = me->shell;

	(void)a;
	if (!me->asked || me->gave_up)
		return;
	me->gave_up = true;
	shell_fail(sh, "on: cpu %u did not answer within %u ms\n", me->asked_cpu,
		   SHELL_ON_TIMEOUT_MS);
	shell_answer_done(sh);
}

static void cmd_on(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct shell_remote *me = ctx;
	uint64_t id;

	if (argc < 3 || !shell_parse_u64(argv[1], CPU_MAX - 1, &id)) {
		shell_fail(sh, "on: usage: on <cpu> <command> [args], cpu from 0 to %u\n",
			   CPU_MAX - 1);
		return;
	}
	struct shell_remote *t = me->smp->remotes[id];
	if (!cpus_is_online((unsigned)id) || !t) {
		shell_fail(sh, "on: cpu %llu is not online (see 'cpus')\n", (unsigned long long)id);
		return;
	}
	if (me->asked) {
		shell_fail(sh, "on: still waiting for cpu %u's last answer\n", me->asked_cpu);
		return;
	}
	if (t == me) {
		shell_fail(sh, "on: cpu %llu is this cpu: type the command itself\n",
			   (unsigned long long)id);
		return;
	}
	if (t->shell->console) {
		/* The console's shell is where every `on` starts, waiting for
		 * this very answer, and its line buffer is the console's. */
		shell_fail(sh, "on: cpu %llu runs the console's shell: type the command there\n",
			   (unsigned long long)id);
		return;
	}
	uint32_t free = 0;
	if (!__atomic_compare_exchange_n(&t->busy, &free, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		shell_fail(sh, "on: cpu %llu's shell is busy (it is running a command)\n",
			   (unsigned long long)id);
		return;
	}
	/* t is ours now: its line, its output buffer, until we release it. */
	if (!join_words(t->shell->line, sizeof(t->shell->line), argc - 2, argv + 2)) {
		__atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
		shell_fail(sh, "on: the command is too long\n");
		return;
	}
	t->asker = me;
	me->asked = t;
	me->asked_cpu = (unsigned)id;
	me->gave_up = false;
	shell_answer_later(sh);
	if (me->mux) {
		alarm_init(&me->timeout, "on timeout", on_timeout, me);
		alarm_set_oneshot(me->mux, &me->timeout,
				  alarm_mux_ms_to_ticks(me->mux, SHELL_ON_TIMEOUT_MS));
	}
	__atomic_store_n(&t->request, 1, __ATOMIC_RELEASE);
	xcall_set(&me->smp->remote, (unsigned)id);
}

static const struct shell_command on_commands[] = {
	{ "on", "<cpu> <command>", "run a command on another CPU", cmd_on },
};

/* On the asker's CPU: the shell we asked has answered. */
static void take_answer(struct shell_remote *me)
{
	struct shell *sh = me->shell;
	struct shell_remote *t = me->asked;

	if (!t)
		return;
	bool gave_up = me->gave_up;
	if (!gave_up)
		shell_say(sh, "%.*s", (int)t->shell->out_len, t->shell->out);
	t->shell->out_len = t->shell->out_sent = 0;
	t->shell->out_cut = false;
	t->asker = NULL;
	me->asked = NULL;
	me->gave_up = false;
	__atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
	if (gave_up)
		return;
	if (me->mux)
		alarm_cancel(me->mux, &me->timeout);
	shell_answer_done(sh);
}

/* A console-less shell's answer is complete: hand it back to the asker. */
static void answer_ready(void *ctx, struct shell *sh)
{
	struct shell_remote *r = ctx;
	struct shell_remote *asker = r->asker;

	(void)sh;
	if (!asker)
		return;
	__atomic_store_n(&asker->answered, 1, __ATOMIC_RELEASE);
	xcall_set(&r->smp->remote, asker->cpu);
}

/* The one cross-CPU call of every shell: a request to run, an answer to
 * take, or both. */
static void remote_knocked(void *ctx)
{
	struct shell_remote *r = ctx;

	if (__atomic_exchange_n(&r->request, 0, __ATOMIC_ACQUIRE))
		shell_run_line(r->shell);
	if (__atomic_exchange_n(&r->answered, 0, __ATOMIC_ACQUIRE))
		take_answer(r);
}

void shell_smp_init(struct shell_smp *smp)
{
	memset(smp, 0, sizeof(*smp));
	xcall_init(&smp->remote, "shell remote");
}

void shell_remote_init(struct shell_remote *r, struct shell_smp *smp, struct shell *sh,
		       struct alarm_mux *mux)
{
	memset(r, 0, sizeof(*r));
	r->shell = sh;
	r->smp = smp;
	r->mux = mux;
	r->cpu = cpus_this();
	r->set = (struct shell_command_set){
		.name = "other cpus",
		.cmds = on_commands,
		.count = sizeof(on_commands) / sizeof(on_commands[0]),
		.ctx = r,
	};
	smp->remotes[r->cpu] = r;
	xcall_register(&smp->remote, "shell remote", remote_knocked, r);
}

void shell_worker_init(struct shell *w, struct shell_remote *r, struct shell_smp *smp,
		       struct alarm_mux *mux)
{
	shell_init_console_less(w, answer_ready, r);
	shell_remote_init(r, smp, w, mux);
}
