/* The shell's `busy` (busy_commands.h). */
#include "capsules/lab/busy_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/log.h"
#include "kernel/string.h"

static void cmd_busy(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct busy *b = ((struct busy_commands *)ctx)->busy;
	struct busy_status st;
	uint64_t ms, times = 1, gap = 0;
	bool logging = argc >= 2 && !strcmp(argv[1], "log");

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
		if (st.lines_logged)
			shell_say(sh,
				  "busy: %llu lines logged; the log held %llu writes made during "
				  "another\n",
				  (unsigned long long)st.lines_logged, log_held_writes());
		return;
	}
	if (logging) {
		argc--;
		argv++;
	}
	if (argc >= 2 && argc <= 4 && shell_parse_u64(argv[1], BUSY_MAX_MS, &ms) &&
	    (argc < 3 || shell_parse_u64(argv[2], BUSY_MAX_TIMES, &times)) &&
	    (argc < 4 || shell_parse_u64(argv[3], BUSY_MAX_MS, &gap)) &&
	    (logging ? busy_start_logging(b, ms, times, gap) : busy_start(b, ms, times, gap)) ==
		    0) {
		shell_say(sh, "busy: %llu callback%s of %llu ms, %llu ms apart%s\n",
			  (unsigned long long)times, times == 1 ? "" : "s", (unsigned long long)ms,
			  (unsigned long long)gap, logging ? ", logging" : "");
		return;
	}
	shell_fail(sh,
		   "busy: usage: busy [log] <ms> [times [gap_ms]] | busy stop; ms 1..%u; log on "
		   "cpu 0 only\n",
		   BUSY_MAX_MS);
}

static const struct shell_command commands[] = {
	{ "busy", "[log] <ms> [times [gap]]", "long callbacks on purpose", cmd_busy },
};

void busy_commands_init(struct busy_commands *c, struct busy *busy)
{
	memset(c, 0, sizeof(*c));
	c->busy = busy;
	c->set = (struct shell_command_set){
		.name = "busy",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
