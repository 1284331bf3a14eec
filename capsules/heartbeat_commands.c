/* The heartbeat's shell command (heartbeat_commands.h). */
#include "capsules/heartbeat_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

/* Both callbacks come from the loop, never from inside the
 * heartbeat_start()/heartbeat_stop() that cmd_heartbeat made, so the
 * answer to `heartbeat on` arrives after the command's own (empty)
 * answer, like any message, above the prompt. */
static void heartbeat_changed(void *ctx, const struct heartbeat_status *st)
{
	struct heartbeat_commands *c = ctx;
	char msg[64];
	int n;

	if (st->on)
		n = ksnprintf(msg, sizeof(msg), "heartbeat: on, every %u s\n", st->period_s);
	else
		n = ksnprintf(msg, sizeof(msg), "heartbeat: off (%llu beat%s)\n",
			      (unsigned long long)st->beats, st->beats == 1 ? "" : "s");
	if (n > 0 && c->set.shell)
		shell_notify(c->set.shell, msg, (size_t)n);
}

/* `line` is the heartbeat's, lent for this call: shell_notify() copies it. */
static void heartbeat_beat(void *ctx, const char *line, size_t len)
{
	struct heartbeat_commands *c = ctx;

	if (c->set.shell)
		shell_notify(c->set.shell, line, len);
}

static void cmd_heartbeat(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct heartbeat_commands *c = ctx;
	struct heartbeat *hb = c->heartbeat;
	struct heartbeat_status st;
	uint64_t s = HEARTBEAT_COMMANDS_DEFAULT_S;

	if (argc == 1) {
		heartbeat_get_status(hb, &st);
		if (st.on)
			shell_say(sh, "heartbeat: on, every %u s; beats %llu, missed %llu\n",
				  st.period_s, (unsigned long long)st.beats,
				  (unsigned long long)st.missed);
		else
			shell_say(sh, "heartbeat: off\n");
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
	shell_fail(sh, "heartbeat: usage: heartbeat [on [seconds] | off], seconds from 1 to %u\n",
		   HEARTBEAT_MAX_PERIOD_S);
}

static const struct shell_command commands[] = {
	{ "heartbeat", "[on [s] | off]", "a line every s seconds (default 1)", cmd_heartbeat },
};

void heartbeat_commands_init(struct heartbeat_commands *c, struct heartbeat *heartbeat)
{
	memset(c, 0, sizeof(*c));
	c->heartbeat = heartbeat;
	c->client = (struct heartbeat_client){
		.ctx = c,
		.changed = heartbeat_changed,
		.beat = heartbeat_beat,
	};
	c->set = (struct shell_command_set){
		.name = "heartbeat",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
	heartbeat_set_client(heartbeat, &c->client);
}
