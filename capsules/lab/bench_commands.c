/* The shell's `bench` (bench_commands.h). */
#include "capsules/lab/bench_commands.h"
#include "kernel/string.h"

static void bench_line(void *arg, const char *text)
{
	shell_say(arg, "bench: %s\n", text);
}

static void cmd_bench(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct bench_commands *c = ctx;

	(void)argc;
	(void)argv;
	c->report(bench_line, sh);
}

static const struct shell_command commands[] = {
	{ "bench", "", "interrupt latency figures (stubs=stamped)", cmd_bench },
};

void bench_commands_init(struct bench_commands *c, bench_commands_report_fn report)
{
	memset(c, 0, sizeof(*c));
	c->report = report;
	c->set = (struct shell_command_set){
		.name = "bench",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
