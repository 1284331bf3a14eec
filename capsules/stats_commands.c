/* The stats capsule's shell commands (stats_commands.h). */
#include "capsules/stats_commands.h"
#include "kernel/observe.h"
#include "kernel/string.h"

static void say_line(void *ctx, const char *line)
{
	shell_say(ctx, "%s", line);
}

static void cmd_stats(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct stats *st = ((struct stats_commands *)ctx)->stats;

	if (argc == 1) {
		stats_print(st, say_line, sh);
		return;
	}
	if (argc == 2 && !strcmp(argv[1], "reset")) {
		stats_reset(st);
		shell_say(sh, "stats: reset; counting from now\n");
		return;
	}
	if (argc == 3 && !strcmp(argv[1], "timing") &&
	    (!strcmp(argv[2], "on") || !strcmp(argv[2], "off"))) {
		observe_set_timing(!strcmp(argv[2], "on"));
		shell_say(sh, "stats: timing %s\n", argv[2]);
		return;
	}
	shell_fail(sh, "stats: usage: stats [reset | timing on|off]\n");
}

static void cmd_irqs(struct shell *sh, void *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	stats_print_irqs(((struct stats_commands *)ctx)->stats, say_line, sh);
}

static const struct shell_command commands[] = {
	{ "stats", "[reset|timing on|off]", "what the loop did, per source", cmd_stats },
	{ "irqs", "", "per interrupt source: raised, serviced, drained", cmd_irqs },
};

void stats_commands_init(struct stats_commands *c, struct stats *stats)
{
	memset(c, 0, sizeof(*c));
	c->stats = stats;
	c->set = (struct shell_command_set){
		.name = "observing",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
