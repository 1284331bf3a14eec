/* The stall watchdog's shell command (watchdog_commands.h). */
#include "capsules/watchdog_commands.h"

#include "kernel/string.h"
#include "kernel/watchdog.h"

static void cmd_watchdog(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct watchdog_stats st;
	char described[96];

	(void)ctx;
	(void)argc; /* the shell refuses arguments: the usage is empty */
	(void)argv;
	/* In the boot line's words (board/pc/wire_watchdog.c). */
	watchdog_options_describe(watchdog_options(), described, sizeof(described));
	shell_say(sh, "watchdog: %s\n", described);
	watchdog_get_stats(&st);
	shell_say(sh,
		  "ticks %llu (passed on to other cpus %llu); reported: stalls %llu, "
		  "storms %llu; reports lost %llu\n",
		  (unsigned long long)st.ticks, (unsigned long long)st.pokes,
		  (unsigned long long)st.stalls, (unsigned long long)st.storms,
		  (unsigned long long)st.events_lost);
}

static const struct shell_command commands[] = {
	{ "watchdog", "", "the stall and storm watchdog: limits, ticks, reports", cmd_watchdog },
};

void watchdog_commands_init(struct watchdog_commands *c)
{
	memset(c, 0, sizeof(*c));
	c->set = (struct shell_command_set){
		.name = "watchdog",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
