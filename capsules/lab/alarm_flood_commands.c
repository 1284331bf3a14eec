/* The shell's `alarms flood` (alarm_flood_commands.h). */
#include "capsules/lab/alarm_flood_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/string.h"

#define FLOOD_ORDER_PER_LINE 10

static void flood_done(void *ctx, const struct alarm_flood_result *r)
{
	struct alarm_flood_commands *c = ctx;
	struct shell *sh = c->set.shell;

	shell_say(sh,
		  "alarms flood: %u set in %llu us, %u fired, %u twice, %u out of order, "
		  "%u missing, max late %llu us, last after %llu us\n",
		  r->count, (unsigned long long)r->set_us, r->fired, r->twice, r->out_of_order,
		  r->missing, (unsigned long long)r->max_late_us, (unsigned long long)r->span_us);
	for (unsigned i = 0; i < r->order_len; i += FLOOD_ORDER_PER_LINE) {
		shell_say(sh, "alarms flood: fired");
		for (unsigned k = i; k < r->order_len && k < i + FLOOD_ORDER_PER_LINE; k++)
			shell_say(sh, " %u@%llu", r->order[k],
				  (unsigned long long)alarm_flood_deadline_us(c->flood,
									      r->order[k]));
		shell_say(sh, "\n");
	}
	shell_answer_done(sh);
}

/* argv[0] is "alarms", argv[1] "flood". */
static void cmd_flood(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct alarm_flood_commands *c = ctx;
	uint64_t count, max_ms, seed = 1;

	if ((argc == 4 || argc == 5) && shell_parse_u64(argv[2], ALARM_FLOOD_MAX, &count) &&
	    shell_parse_u64(argv[3], ALARM_FLOOD_MAX_MS, &max_ms) &&
	    (argc < 5 || shell_parse_u64(argv[4], UINT32_MAX, &seed)) &&
	    alarm_flood_start(c->flood, (unsigned)count, (unsigned)max_ms, (uint32_t)seed,
			      &c->client) == 0) {
		shell_answer_later(sh);
		return;
	}
	shell_fail(sh,
		   "alarms: usage: alarms flood <count> <max_ms> [seed], count 1..%u, "
		   "max_ms 1..%u\n",
		   ALARM_FLOOD_MAX, ALARM_FLOOD_MAX_MS);
}

static const struct shell_command commands[] = {
	{ "alarms flood", "<count> <max_ms> [seed]", "many alarms at once", cmd_flood },
};

void alarm_flood_commands_init(struct alarm_flood_commands *c, struct alarm_flood *flood)
{
	memset(c, 0, sizeof(*c));
	c->flood = flood;
	c->client = (struct alarm_flood_client){ .ctx = c, .done = flood_done };
	c->set = (struct shell_command_set){
		.name = "alarm flood",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
