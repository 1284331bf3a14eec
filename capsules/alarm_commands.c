/* The alarm mux's shell commands (alarm_commands.h). */
#include "capsules/alarm_commands.h"
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

static uint64_t ticks_to_ms(const struct alarm_commands *c, uint64_t ticks)
{
	return alarm_mux_ticks_to_us(c->mux, ticks) / 1000;
}

static void alarm_fired(void *ctx, struct alarm *alarm)
{
	struct alarm_commands_slot *a = ctx;
	struct alarm_commands *c = a->owner;
	const struct alarm *al = alarm_read(c->mux, alarm);
	uint64_t now = alarm_mux_now(c->mux);
	uint64_t late_us = alarm_mux_ticks_to_us(c->mux, now - al->last_deadline);
	char msg[224];
	int n;

	if (a->periodic) {
		/* The raw deadline and period let a test check "no drift"
		 * exactly: deadline == (fired + missed) * period. */
		n = ksnprintf(msg, sizeof(msg),
			      "alarm %u fired #%llu (every %llu ms, late %llu us, missed %llu) "
			      "deadline set+%llu ticks, period %llu ticks\n",
			      a->id, (unsigned long long)al->fired, (unsigned long long)a->ms,
			      (unsigned long long)late_us, (unsigned long long)al->missed,
			      (unsigned long long)(al->last_deadline - a->set_at),
			      (unsigned long long)al->period);
	} else {
		uint64_t us = alarm_mux_ticks_to_us(c->mux, now - a->set_at);
		n = ksnprintf(
			msg, sizeof(msg),
			"alarm %u fired %llu.%03llu ms after it was set (asked %llu ms, late %llu us)\n",
			a->id, (unsigned long long)(us / 1000), (unsigned long long)(us % 1000),
			(unsigned long long)a->ms, (unsigned long long)late_us);
		a->id = 0; /* one-shot: the slot is free again */
	}
	if (n > 0 && c->set.shell)
		shell_notify(c->set.shell, msg,
			     (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static struct alarm_commands_slot *find_alarm(struct alarm_commands *c, unsigned id)
{
	for (unsigned i = 0; i < ALARM_COMMANDS_SLOTS; i++)
		if (id && c->slots[i].id == id)
			return &c->slots[i];
	return NULL;
}

static void cmd_uptime(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct alarm_commands *c = ctx;
	char up[32];

	(void)argc;
	(void)argv;
	uint64_t us = alarm_mux_ticks_to_us(c->mux, alarm_mux_now(c->mux));
	shell_format_uptime(up, sizeof(up), us);
	shell_say(sh, "up %s (%llu us)\n", up, (unsigned long long)us);
}

static void cmd_alarm(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct alarm_commands *c = ctx;
	uint64_t ms;
	bool periodic = argc == 3 && !strcmp(argv[2], "periodic");

	if (argc < 2 || argc > 3 || (argc == 3 && !periodic) ||
	    !shell_parse_u64(argv[1], ALARM_COMMANDS_MAX_MS, &ms) || ms == 0) {
		shell_fail(sh, "alarm: usage: alarm <ms> [periodic], ms from 1 to %u\n",
			   ALARM_COMMANDS_MAX_MS);
		return;
	}
	if (periodic && ms < ALARM_COMMANDS_PERIODIC_MIN_MS) {
		shell_fail(sh, "alarm: a periodic alarm needs at least %u ms\n",
			   ALARM_COMMANDS_PERIODIC_MIN_MS);
		return;
	}
	struct alarm_commands_slot *a = NULL;
	for (unsigned i = 0; !a && i < ALARM_COMMANDS_SLOTS; i++)
		if (c->slots[i].id == 0)
			a = &c->slots[i];
	if (!a) {
		shell_fail(sh,
			   "alarm: all %u alarms are in use (see 'alarms', 'alarms cancel <id>')\n",
			   ALARM_COMMANDS_SLOTS);
		return;
	}
	a->owner = c;
	a->id = ++c->next_id;
	a->ms = ms;
	a->periodic = periodic;
	alarm_init(&a->alarm, "shell alarm", alarm_fired, a);
	uint64_t ticks = alarm_mux_ms_to_ticks(c->mux, ms);
	if (periodic)
		alarm_set_periodic(c->mux, &a->alarm, ticks);
	else
		alarm_set_oneshot(c->mux, &a->alarm, ticks);
	/* The mux's own "now" when it took the alarm: the origin of a
	 * periodic alarm's grid (k-th deadline = set_at + k * period). */
	a->set_at = a->alarm.deadline - ticks;
	shell_say(sh, "alarm %u: fires %s %llu ms\n", a->id, periodic ? "every" : "in",
		  (unsigned long long)ms);
}

static void cmd_alarms(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct alarm_commands *c = ctx;
	uint64_t id;

	if (argc == 3 && !strcmp(argv[1], "cancel")) {
		struct alarm_commands_slot *a = NULL;
		if (shell_parse_u64(argv[2], UINT32_MAX, &id))
			a = find_alarm(c, (unsigned)id);
		if (!a) {
			shell_fail(sh, "alarms: no alarm '%s' (see 'alarms')\n", argv[2]);
			return;
		}
		alarm_cancel(c->mux, &a->alarm);
		shell_say(sh, "alarm %u cancelled\n", a->id);
		a->id = 0;
		return;
	}
	if (argc != 1) {
		shell_fail(sh, "alarms: usage: alarms [cancel <id>]\n");
		return;
	}
	uint64_t now = alarm_mux_now(c->mux);
	unsigned shown = 0;
	for (unsigned i = 0; i < ALARM_COMMANDS_SLOTS; i++) {
		const struct alarm_commands_slot *a = &c->slots[i];
		if (!a->id)
			continue;
		if (!shown++)
			shell_say(sh, "  id  kind        every/in ms   due in ms   fired\n");
		const struct alarm *al = alarm_read(c->mux, &a->alarm);
		uint64_t due = (int64_t)(al->deadline - now) > 0 ? al->deadline - now : 0;
		shell_say(sh, "%4u  %-10s  %11llu   %9llu   %5llu\n", a->id,
			  a->periodic ? "periodic" : "one-shot", (unsigned long long)a->ms,
			  (unsigned long long)ticks_to_ms(c, due), (unsigned long long)al->fired);
	}
	if (!shown)
		shell_say(sh, "no alarms (set one with 'alarm <ms> [periodic]')\n");
}

static const struct shell_command commands[] = {
	{ "uptime", "", "time since boot, from the calibrated clock", cmd_uptime },
	{ "alarm", "<ms> [periodic]", "set an alarm that prints when it fires", cmd_alarm },
	{ "alarms", "[cancel <id>]", "list the alarms, or cancel one", cmd_alarms },
};

void alarm_commands_init(struct alarm_commands *c, struct alarm_mux *mux)
{
	memset(c, 0, sizeof(*c));
	c->mux = mux;
	c->set = (struct shell_command_set){
		.name = "time",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
