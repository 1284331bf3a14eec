/* The shell's `storm` (storm_commands.h). */
#include "capsules/lab/storm_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

/* From the storm's service, in the loop, when it is over. */
static void storm_done(void *ctx, const struct storm_result *r)
{
	struct storm_commands *c = ctx;
	char msg[128];
	uint64_t per_s = r->us ? r->interrupts * 1000000 / r->us : 0;
	int n = ksnprintf(msg, sizeof(msg), "storm: over: %llu interrupts in %llu ms (%llu/s)\n",
			  (unsigned long long)r->interrupts, (unsigned long long)(r->us / 1000),
			  (unsigned long long)per_s);

	if (n > 0 && c->set.shell)
		shell_notify(c->set.shell, msg,
			     (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static void cmd_storm(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct storm_commands *c = ctx;
	uint64_t ms;

	if (argc != 2 || !shell_parse_u64(argv[1], STORM_MAX_MS, &ms) || ms == 0) {
		shell_fail(sh, "storm: usage: storm <ms>, ms from 1 to %u\n", STORM_MAX_MS);
		return;
	}
	if (storm_start(c->storm, ms, &c->client) != 0) {
		shell_fail(sh, "storm: one is already raging\n");
		return;
	}
	shell_say(sh, "storm: an interrupt that re-raises itself on every service, for %llu ms\n",
		  (unsigned long long)ms);
}

static const struct shell_command commands[] = {
	{ "storm", "<ms>", "an interrupt storm (for tests)", cmd_storm },
};

void storm_commands_init(struct storm_commands *c, struct storm *storm)
{
	memset(c, 0, sizeof(*c));
	c->storm = storm;
	c->client = (struct storm_client){ .ctx = c, .done = storm_done };
	c->set = (struct shell_command_set){
		.name = "storm",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
