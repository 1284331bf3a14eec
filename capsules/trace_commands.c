/* The shell's `trace` (trace_commands.h). */
#include "capsules/trace_commands.h"
#include "kernel/observe.h"
#include "kernel/string.h"

static void dump_done(void *ctx, uint64_t lines)
{
	struct trace_commands *c = ctx;
	struct shell *sh = c->set.shell;

	shell_say(sh, "trace: dumped %llu lines\n", (unsigned long long)lines);
	shell_answer_done(sh);
}

static void cmd_trace(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct trace_commands *c = ctx;

	if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
		bool on = !strcmp(argv[1], "on");
		observe_set_trace(on);
		shell_say(sh, "trace: %s%s\n", argv[1], on ? " (rings emptied)" : "");
		return;
	}
	if (argc == 2 && !strcmp(argv[1], "dump")) {
		if (!c->dump) {
			shell_fail(sh, "trace dump: this board has none\n");
			return;
		}
		if (trace_dump_start(c->dump, &c->client) != 0) {
			shell_fail(sh, "trace: a dump is already under way\n");
			return;
		}
		shell_answer_later(sh);
		return;
	}
	if (argc == 1) {
		shell_say(sh, "trace: %s\n", trace_is_on() ? "on" : "off");
		return;
	}
	shell_fail(sh, "trace: usage: trace [on | off | dump]\n");
}

static const struct shell_command commands[] = {
	{ "trace", "[on | off | dump]", "record loop events; dump them", cmd_trace },
};

void trace_commands_init(struct trace_commands *c, struct trace_dump *dump)
{
	memset(c, 0, sizeof(*c));
	c->dump = dump;
	c->client = (struct trace_dump_client){ .ctx = c, .done = dump_done };
	c->set = (struct shell_command_set){
		.name = "trace",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
