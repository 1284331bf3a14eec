/*
 * The shell's SMP commands and `on` (shell_smp.h).
 */
#include "capsules/shell.h"
#include "capsules/shell_parse.h"
#include "capsules/shell_smp.h"
#include "kernel/cpus.h"
#include "kernel/string.h"

static bool have_smp(struct shell *sh, const char *cmd, const void *what)
{
	if (sh->remote.smp && what)
		return true;
	shell_say(sh, "%s: the board gave this shell no other CPUs to use\n", cmd);
	sh->stats.errors++;
	return false;
}

/* --- cpus ---------------------------------------------------------------- */

void shell_cmd_cpus(struct shell *sh, int argc, char **argv)
{
	struct cpu_info ci;
	struct xcall_stats xs;
	unsigned known = cpus_known(), online = 0;

	(void)argv;
	if (argc != 1) {
		shell_say(sh, "cpus: usage: cpus\n");
		sh->stats.errors++;
		return;
	}
	shell_say(sh,
		  "cpu apic state       rounds     sleeps    wakeups  ipis-in ipis-out  skipped\n");
	for (unsigned id = 0; id < known; id++) {
		if (!cpus_info(id, &ci))
			continue;
		xcall_get_stats(id, &xs);
		if (ci.state == CPU_ONLINE)
			online++;
		shell_say(sh, "%3u %4u %-8s %9llu %10llu %10llu %8llu %8llu %8llu\n", id, ci.hw_id,
			  cpus_state_name(ci.state), (unsigned long long)ci.rounds,
			  (unsigned long long)ci.sleeps, (unsigned long long)ci.wakeups,
			  (unsigned long long)ci.ipis, (unsigned long long)xs.ipis,
			  (unsigned long long)xs.ipis_skipped);
	}
	shell_say(sh, "%u cpu%s, %u online; this is cpu %u\n", known, known == 1 ? "" : "s", online,
		  cpus_this());
	/* Only when it happened: a knock whose IPI never left may have left
	 * its target asleep with work pending. */
	for (unsigned id = 0; id < known; id++) {
		xcall_get_stats(id, &xs);
		if (xs.ipis_failed)
			shell_say(sh,
				  "cpus: cpu %u could not send %llu wake-up IPI%s (the interrupt "
				  "controller stayed busy through every retry)\n",
				  id, (unsigned long long)xs.ipis_failed,
				  xs.ipis_failed == 1 ? "" : "s");
	}
}

/* --- smptest ------------------------------------------------------------- */

static void say_cpus(struct shell *sh, uint64_t mask)
{
	for (unsigned id = 0; id < CPU_MAX; id++)
		if (mask & ((uint64_t)1 << id))
			shell_say(sh, " %u", id);
	shell_say(sh, "\n");
}

/*
 * ok: every CPU did its n, and both counters are n times the CPUs.
 * timed out: the limit stopped some CPU short of its n. That is slowness,
 * not a broken lock: the counters must still agree with each other
 * (each CPU adds to both in the same turn, and every CPU has stopped
 * before the report), and the answer says whether they do.
 * MISMATCH: the counters disagree with each other, or with n times the
 * CPUs in a run nobody cut short: an update was lost.
 */
static void smptest_done(void *ctx, const struct smp_count_result *r)
{
	struct shell *sh = ctx;
	bool timed_out = r->stopped || r->unfinished;
	bool agree = r->locked_total == r->atomic_total;
	bool mismatch = r->unfinished ? false :
					!agree || (!timed_out && r->locked_total != r->expected);
	const char *verdict = mismatch  ? (timed_out ? "MISMATCH (and timed out)" : "MISMATCH") :
			      timed_out ? "timed out" :
					  "ok";

	shell_say(sh,
		  "smptest: %u cpus x %llu: ticketlock counter %llu, lock xadd counter %llu, "
		  "expected %llu: %s (%llu ms)\n",
		  r->cpus, (unsigned long long)r->per_cpu, (unsigned long long)r->locked_total,
		  (unsigned long long)r->atomic_total, (unsigned long long)r->expected, verdict,
		  (unsigned long long)(r->us / 1000));
	if (r->stopped) {
		shell_say(sh, "smptest: stopped at the %llu ms limit before adding n:",
			  (unsigned long long)r->limit_ms);
		say_cpus(sh, r->stopped);
	}
	if (r->unfinished) {
		shell_say(
			sh,
			"smptest: had not stopped %u ms after the limit (the counts are not final):",
			SMP_COUNT_GRACE_MS);
		say_cpus(sh, r->unfinished);
	} else if (timed_out) {
		shell_say(
			sh, "smptest: %s\n",
			agree ? "the two counters agree: no update was lost, the run was too slow" :
				"the two counters disagree: the lock lost updates");
	}
	if (mismatch || timed_out)
		sh->stats.errors++;
	shell_answer_done(sh);
}

void shell_cmd_smptest(struct shell *sh, int argc, char **argv)
{
	uint64_t n, limit_ms = SMP_COUNT_TIMEOUT_MS;

	if (!have_smp(sh, "smptest", sh->remote.smp ? sh->remote.smp->count : NULL))
		return;
	if (argc < 2 || argc > 3 || !shell_parse_u64(argv[1], SMP_COUNT_MAX_N, &n) || n == 0 ||
	    (argc == 3 &&
	     (!shell_parse_u64(argv[2], SMP_COUNT_MAX_LIMIT_MS, &limit_ms) || limit_ms == 0))) {
		shell_say(sh,
			  "smptest: usage: smptest <n> [<limit ms>], n from 1 to %llu per cpu, "
			  "limit from 1 to %u ms (default %u)\n",
			  (unsigned long long)SMP_COUNT_MAX_N, SMP_COUNT_MAX_LIMIT_MS,
			  SMP_COUNT_TIMEOUT_MS);
		sh->stats.errors++;
		return;
	}
	if (smp_count_start(sh->remote.smp->count, n, limit_ms, sh->mux, smptest_done, sh) != 0) {
		shell_say(sh, "smptest: the last run's cpus are not all done yet\n");
		sh->stats.errors++;
		return;
	}
	shell_answer_later(sh);
}

/* --- ping ---------------------------------------------------------------- */

static void ping_done(void *ctx, const struct smp_ping_result *r)
{
	struct shell *sh = ctx;
	unsigned missing = r->pairs - r->answered;

	shell_say(sh, "ping: %u of %u knocks answered among %u cpus, slowest round trip %llu us\n",
		  r->answered, r->pairs, cpus_in_mask(r->participants),
		  (unsigned long long)r->slowest_us);
	for (unsigned i = 0; i < CPU_MAX; i++) {
		if (!(r->participants & ((uint64_t)1 << i)))
			continue;
		uint64_t slowest = 0;
		for (unsigned j = 0; j < CPU_MAX; j++)
			if (r->rtt_us[i][j] > slowest)
				slowest = r->rtt_us[i][j];
		uint64_t others = r->participants & ~((uint64_t)1 << i);
		shell_say(sh, "  cpu %u knocked on %u, answered by %u, slowest %llu us\n", i,
			  cpus_in_mask(others), cpus_in_mask(r->answers[i] & others),
			  (unsigned long long)slowest);
		for (unsigned j = 0; j < CPU_MAX; j++)
			if (others & ~r->answers[i] & ((uint64_t)1 << j))
				shell_say(sh, "  cpu %u -> cpu %u: no answer within %u ms\n", i, j,
					  SMP_PING_TIMEOUT_MS);
	}
	if (missing)
		sh->stats.errors++;
	shell_answer_done(sh);
}

void shell_cmd_ping(struct shell *sh, int argc, char **argv)
{
	(void)argv;
	if (!have_smp(sh, "ping", sh->remote.smp ? sh->remote.smp->ping : NULL))
		return;
	if (argc != 1) {
		shell_say(sh, "ping: usage: ping\n");
		sh->stats.errors++;
		return;
	}
	if (smp_ping_start(sh->remote.smp->ping, sh->mux, ping_done, sh) != 0) {
		shell_say(sh, "ping: the last round's knocks are not all answered yet\n");
		sh->stats.errors++;
		return;
	}
	shell_answer_later(sh);
}

/* --- on ------------------------------------------------------------------ */

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
	struct shell *sh = ctx;

	(void)a;
	if (!sh->remote.asked || sh->remote.gave_up)
		return;
	sh->remote.gave_up = true;
	shell_say(sh, "on: cpu %u did not answer within %u ms\n", sh->remote.asked_cpu,
		  SHELL_ON_TIMEOUT_MS);
	sh->stats.errors++;
	shell_answer_done(sh);
}

void shell_cmd_on(struct shell *sh, int argc, char **argv)
{
	struct shell_remote *me = &sh->remote;
	uint64_t id;

	if (!have_smp(sh, "on", me->smp))
		return;
	if (argc < 3 || !shell_parse_u64(argv[1], CPU_MAX - 1, &id)) {
		shell_say(sh, "on: usage: on <cpu> <command> [args], cpu from 0 to %u\n",
			  CPU_MAX - 1);
		sh->stats.errors++;
		return;
	}
	struct shell *t = me->smp->shells[id];
	if (!cpus_is_online((unsigned)id) || !t) {
		shell_say(sh, "on: cpu %llu is not online (see 'cpus')\n", (unsigned long long)id);
		sh->stats.errors++;
		return;
	}
	if (me->asked) {
		shell_say(sh, "on: still waiting for cpu %u's last answer\n", me->asked_cpu);
		sh->stats.errors++;
		return;
	}
	if (t == sh) {
		shell_say(sh, "on: cpu %llu is this cpu: type the command itself\n",
			  (unsigned long long)id);
		sh->stats.errors++;
		return;
	}
	if (t->console) {
		/* The console's shell is where every `on` starts, waiting for
		 * this very answer, and its line buffer is the console's. */
		shell_say(sh, "on: cpu %llu runs the console's shell: type the command there\n",
			  (unsigned long long)id);
		sh->stats.errors++;
		return;
	}
	uint32_t free = 0;
	if (!__atomic_compare_exchange_n(&t->remote.busy, &free, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		shell_say(sh, "on: cpu %llu's shell is busy (it is running a command)\n",
			  (unsigned long long)id);
		sh->stats.errors++;
		return;
	}
	/* t is ours now: its line, its output buffer, until we release it. */
	if (!join_words(t->line, sizeof(t->line), argc - 2, argv + 2)) {
		__atomic_store_n(&t->remote.busy, 0, __ATOMIC_RELEASE);
		shell_say(sh, "on: the command is too long\n");
		sh->stats.errors++;
		return;
	}
	t->remote.asker = sh;
	me->asked = t;
	me->asked_cpu = (unsigned)id;
	me->gave_up = false;
	shell_answer_later(sh);
	if (sh->mux) {
		alarm_init(&me->timeout, "on timeout", on_timeout, sh);
		alarm_set_oneshot(sh->mux, &me->timeout,
				  alarm_mux_ms_to_ticks(sh->mux, SHELL_ON_TIMEOUT_MS));
	}
	__atomic_store_n(&t->remote.request, 1, __ATOMIC_RELEASE);
	xcall_set(&me->smp->remote, (unsigned)id);
}

/* On the asker's CPU: the shell we asked has answered. */
static void take_answer(struct shell *sh)
{
	struct shell_remote *me = &sh->remote;
	struct shell *t = me->asked;

	if (!t)
		return;
	bool gave_up = me->gave_up;
	if (!gave_up)
		shell_say(sh, "%.*s", (int)t->out_len, t->out);
	t->out_len = t->out_sent = 0;
	t->out_cut = false;
	t->remote.asker = NULL;
	me->asked = NULL;
	me->gave_up = false;
	__atomic_store_n(&t->remote.busy, 0, __ATOMIC_RELEASE);
	if (gave_up)
		return;
	if (sh->mux)
		alarm_cancel(sh->mux, &me->timeout);
	shell_answer_done(sh);
}

void shell_remote_answer_ready(struct shell *sh)
{
	struct shell *asker = sh->remote.asker;

	if (!asker)
		return;
	__atomic_store_n(&asker->remote.answered, 1, __ATOMIC_RELEASE);
	xcall_set(&sh->remote.smp->remote, asker->remote.cpu);
}

/* The one cross-CPU call of every shell: a request to run, an answer to
 * take, or both. */
static void remote_knocked(void *ctx)
{
	struct shell *sh = ctx;

	if (__atomic_exchange_n(&sh->remote.request, 0, __ATOMIC_ACQUIRE))
		shell_run_request(sh);
	if (__atomic_exchange_n(&sh->remote.answered, 0, __ATOMIC_ACQUIRE))
		take_answer(sh);
}

void shell_smp_init(struct shell *console_shell, struct shell_smp *smp, struct smp_count *count,
		    struct smp_ping *ping)
{
	memset(smp, 0, sizeof(*smp));
	smp->count = count;
	smp->ping = ping;
	xcall_init(&smp->remote, "shell remote");
	console_shell->remote.smp = smp;
	console_shell->remote.cpu = cpus_this();
	smp->shells[console_shell->remote.cpu] = console_shell;
	xcall_register(&smp->remote, "shell remote", remote_knocked, console_shell);
}

void shell_worker_init(struct shell *w, struct shell_smp *smp, struct alarm_mux *mux,
		       const struct shell_board *board)
{
	memset(w, 0, sizeof(*w));
	w->mux = mux;
	if (board) {
		w->board.fault = board->fault;
		w->board.fault_kinds = board->fault_kinds;
	}
	w->remote.smp = smp;
	w->remote.cpu = cpus_this();
	smp->shells[w->remote.cpu] = w;
	xcall_register(&smp->remote, "shell remote", remote_knocked, w);
}
