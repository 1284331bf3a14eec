/* The shell's `busy` (busy_commands.h). */
#include "capsules/lab/busy_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/string.h"

static void cmd_busy(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct busy *b = ((struct busy_commands *)ctx)->busy;
	struct busy_status st;
	uint64_t ms, times = 1, gap = 0;

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
	shell_fail(sh, "busy: usage: busy <ms> [times [gap_ms]] | busy stop; ms 1..%u\n",
		   BUSY_MAX_MS);
}

static const struct shell_command commands[] = {
	{ "busy", "<ms> [times [gap]]", "long callbacks on purpose", cmd_busy },
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
