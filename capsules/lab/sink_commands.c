/* The shell's `sink` (sink_commands.h). */
#include "capsules/lab/sink_commands.h"
#include "kernel/string.h"

static void sink_done(void *ctx, const struct sink_result *r)
{
	struct sink_commands *c = ctx;
	struct shell *sh = c->set.shell;

	shell_say(sh, "sink: %llu bytes, crc32 %08x, %llu us\n", (unsigned long long)r->bytes,
		  (unsigned)r->crc, (unsigned long long)r->us);
	shell_answer_done(sh);
}

static void cmd_sink(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct sink_commands *c = ctx;

	if (argc != 2 || sink_start(c->sink, argv[1], &c->client) != 0) {
		shell_fail(sh, "sink: usage: sink <terminator>, %u to %u characters\n",
			   SINK_TERM_MIN, SINK_TERM_MAX);
		return;
	}
	/* The sender waits for this line before it sends: the raw read is on. */
	shell_say(sh, "sink: reading until '%s'\n", argv[1]);
	shell_answer_later(sh);
}

static const struct shell_command commands[] = {
	{ "sink", "<terminator>", "count and CRC serial input", cmd_sink },
};

void sink_commands_init(struct sink_commands *c, struct sink *sink)
{
	memset(c, 0, sizeof(*c));
	c->sink = sink;
	c->client = (struct sink_client){ .ctx = c, .done = sink_done };
	c->set = (struct shell_command_set){
		.name = "sink",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
