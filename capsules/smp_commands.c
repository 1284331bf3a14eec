/* The shell's SMP commands (smp_commands.h). */
#include "capsules/smp_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/cpus.h"
#include "kernel/string.h"

static bool have(struct shell *sh, const char *cmd, const void *what)
{
	if (what)
		return true;
	shell_fail(sh, "%s: the board gave this shell no other CPUs to use\n", cmd);
	return false;
}

/* --- cpus ---------------------------------------------------------------- */

static void cmd_cpus(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct cpu_info ci;
	struct xcall_stats xs;
	unsigned known = cpus_known(), online = 0;

	(void)ctx;
	(void)argc;
	(void)argv;
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
	struct smp_commands *c = ctx;
	struct shell *sh = c->set.shell;
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

static void cmd_smptest(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct smp_commands *c = ctx;
	uint64_t n, limit_ms = SMP_COUNT_TIMEOUT_MS;

	if (!have(sh, "smptest", c->count))
		return;
	if (argc < 2 || argc > 3 || !shell_parse_u64(argv[1], SMP_COUNT_MAX_N, &n) || n == 0 ||
	    (argc == 3 &&
	     (!shell_parse_u64(argv[2], SMP_COUNT_MAX_LIMIT_MS, &limit_ms) || limit_ms == 0))) {
		shell_fail(sh,
			   "smptest: usage: smptest <n> [<limit ms>], n from 1 to %llu per cpu, "
			   "limit from 1 to %u ms (default %u)\n",
			   (unsigned long long)SMP_COUNT_MAX_N, SMP_COUNT_MAX_LIMIT_MS,
			   SMP_COUNT_TIMEOUT_MS);
		return;
	}
	if (smp_count_start(c->count, n, limit_ms, c->mux, smptest_done, c) != 0) {
		shell_fail(sh, "smptest: the last run's cpus are not all done yet\n");
		return;
	}
	shell_answer_later(sh);
}

/* --- ping ---------------------------------------------------------------- */

static void ping_done(void *ctx, const struct smp_ping_result *r)
{
	struct smp_commands *c = ctx;
	struct shell *sh = c->set.shell;
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

static void cmd_ping(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct smp_commands *c = ctx;

	(void)argc;
	(void)argv;
	if (!have(sh, "ping", c->ping))
		return;
	if (smp_ping_start(c->ping, c->mux, ping_done, c) != 0) {
		shell_fail(sh, "ping: the last round's knocks are not all answered yet\n");
		return;
	}
	shell_answer_later(sh);
}

static const struct shell_command commands[] = {
	{ "cpus", "", "every CPU: APIC id, state, loop counters, IPIs", cmd_cpus },
	{ "smptest", "<n> [<limit ms>]", "all CPUs add n to two shared counters", cmd_smptest },
	{ "ping", "", "every CPU knocks on every other", cmd_ping },
};

void smp_commands_init(struct smp_commands *c, struct smp_count *count, struct smp_ping *ping,
		       struct alarm_mux *mux)
{
	memset(c, 0, sizeof(*c));
	c->count = count;
	c->ping = ping;
	c->mux = mux;
	c->set = (struct shell_command_set){
		.name = "cpus",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
