/* The shell's `reboot` (reboot_commands.h). */
#include "capsules/reboot_commands.h"
#include "kernel/string.h"

static void reset_now(void *ctx, struct alarm *a)
{
	struct reboot_commands *c = ctx;

	(void)a;
	c->reset->reset(c->reset->hw);
}

/* The answer is all in the console. */
static void answer_out(void *ctx)
{
	struct reboot_commands *c = ctx;

	if (!c->mux) {
		reset_now(c, NULL);
		return;
	}
	alarm_init(&c->delay, "shell reboot", reset_now, c);
	alarm_set_oneshot(c->mux, &c->delay,
			  alarm_mux_ms_to_ticks(c->mux, REBOOT_COMMANDS_DELAY_MS));
}

static void cmd_reboot(struct shell *sh, void *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	shell_say(sh, "rebooting\n");
	shell_after_answer(sh, answer_out, ctx);
}

static const struct shell_command commands[] = {
	{ "reboot", "", "reset the machine", cmd_reboot },
};

void reboot_commands_init(struct reboot_commands *c, const struct hil_reset *reset,
			  struct alarm_mux *mux)
{
	memset(c, 0, sizeof(*c));
	c->reset = reset;
	c->mux = mux;
	c->set = (struct shell_command_set){
		.name = "machine",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
