/* The `rng` command (rng_commands.h). */
#include <stddef.h>
#include <stdint.h>

#include "capsules/rng_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

#define BYTES_PER_LINE 32

static void ready(void *ctx, uint8_t *buf, size_t len)
{
	struct rng_commands *c = ctx;
	struct shell *sh = c->set.shell;

	if (!alarm_is_armed(c->mux, &c->timeout)) {
		/* Its timeout already answered: the source is free again. */
		char msg[96];
		int n = ksnprintf(
			msg, sizeof(msg),
			"rng: the source answered late (%u bytes, dropped); it is free again\n",
			(unsigned)len);
		if (n > 0)
			shell_notify(sh, msg, (size_t)n);
		return;
	}
	alarm_cancel(c->mux, &c->timeout);
	for (size_t i = 0; i < len; i++)
		shell_say(sh, "%02x%s", buf[i],
			  (i + 1) % BYTES_PER_LINE && i + 1 < len ? "" : "\n");
	shell_answer_done(sh);
}

static void timed_out(void *ctx, struct alarm *a)
{
	struct rng_commands *c = ctx;
	struct shell *sh = c->set.shell;

	(void)a;
	shell_fail(
		sh,
		"rng: no answer from the random number source in %u ms; it stays busy until it answers\n",
		RNG_COMMANDS_TIMEOUT_MS);
	shell_answer_done(sh);
}

static void cmd_rng(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct rng_commands *c = ctx;
	uint64_t n;

	if (argc != 2 || !shell_parse_u64(argv[1], RNG_COMMANDS_MAX, &n) || n == 0) {
		shell_fail(sh, "rng: usage: rng <n>, n from 1 to %u\n", RNG_COMMANDS_MAX);
		return;
	}
	if (!c->rng) {
		shell_fail(sh, "no random number source on this machine\n");
		return;
	}
	if (c->rng->get(c->rng->hw, c->buf, (size_t)n) != 0) {
		shell_fail(sh, "the random number source is busy\n");
		return;
	}
	/* The client of the request under way: the source may also serve
	 * processes (capsules/rng_driver.c), which set themselves the same way. */
	c->rng->set_client(c->rng->hw, &c->client);
	/* Armed while the shell waits: ready() tells a late answer by it. */
	alarm_set_oneshot(c->mux, &c->timeout,
			  alarm_mux_ms_to_ticks(c->mux, RNG_COMMANDS_TIMEOUT_MS));
	shell_answer_later(sh);
}

static const struct shell_command commands[] = {
	{ "rng", "<n>", "n random bytes from the entropy device", cmd_rng },
};

void rng_commands_init(struct rng_commands *c, const struct hil_rng *rng, struct alarm_mux *mux)
{
	memset(c, 0, sizeof(*c));
	c->rng = rng;
	c->mux = mux;
	alarm_init(&c->timeout, "rng timeout", timed_out, c);
	c->client = (struct hil_rng_client){ .ready = ready, .ctx = c };
	c->set = (struct shell_command_set){
		.name = "rng",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
