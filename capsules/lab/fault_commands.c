/* The shell's `fault` (fault_commands.h). */
#include "capsules/lab/fault_commands.h"
#include "kernel/string.h"

static void cmd_fault(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct fault_commands *c = ctx;
	const char *kinds = c->kinds ? c->kinds : "none";

	if (argc != 2) {
		shell_fail(sh, "fault: usage: fault <kind>, kinds: %s\n", kinds);
		return;
	}
	if (c->trigger(argv[1])) {
		shell_say(sh, "fault: '%s' was reported and the system resumed\n", argv[1]);
		return;
	}
	shell_fail(sh, "fault: unknown kind '%s'; kinds: %s\n", argv[1], kinds);
}

static const struct shell_command commands[] = {
	{ "fault", "<kind>", "provoke a CPU exception (for tests)", cmd_fault },
};

void fault_commands_init(struct fault_commands *c, fault_commands_trigger_fn trigger,
			 const char *kinds)
{
	memset(c, 0, sizeof(*c));
	c->trigger = trigger;
	c->kinds = kinds;
	c->set = (struct shell_command_set){
		.name = "faults",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
