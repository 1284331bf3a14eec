/* The shell's ps, kill and restart (process_commands.h). */
#include "capsules/process_commands.h"
#include "kernel/log.h"
#include "kernel/string.h"
#include "kernel/syscall.h"

static void cmd_ps(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct process_commands *c = ctx;

	(void)argc;
	(void)argv;
	shell_say(sh, "name             state    syscalls  upcalls  dropped  faults  restarts  "
		      "memory\n");
	for (unsigned i = 0; i < c->ps->count; i++) {
		const struct process *p = &c->ps->proc[i];
		const struct process_memory *m = &p->mem;
		/* In use: up to the break, and the grants at the top. */
		uint64_t used = (m->app_break - m->base) + (m->base + m->size - m->kernel_break);
		shell_say(sh, "%-16s %-8s %8llu %8llu %8llu %7llu %9llu  %llu/%llu KiB\n", p->name,
			  process_state_name(p->state), (unsigned long long)p->syscalls,
			  (unsigned long long)p->upcalls.delivered,
			  (unsigned long long)p->upcalls.dropped, (unsigned long long)p->faults,
			  (unsigned long long)p->restarts, (unsigned long long)(used / 1024),
			  (unsigned long long)(m->size / 1024));
	}
	if (c->ps->mux)
		shell_say(sh, "timeslice %u ms, %llu preemptions\n", c->ps->slice_ms,
			  (unsigned long long)c->ps->preemptions);
	else
		shell_say(sh, "timeslice off\n");
}

static struct process *named(struct shell *sh, struct process_commands *c, int argc, char **argv)
{
	if (argc != 2) {
		shell_fail(sh, "%s: usage: %s NAME\n", argv[0], argv[0]);
		return NULL;
	}
	struct process *p = processes_find(c->ps, argv[1]);
	if (!p)
		shell_fail(sh, "%s: no process named '%s'\n", argv[0], argv[1]);
	return p;
}

static void cmd_kill(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct process_commands *c = ctx;
	struct process *p = named(sh, c, argc, argv);

	if (!p)
		return;
	if (p->state != PROCESS_READY && p->state != PROCESS_YIELDED) {
		shell_fail(sh, "kill: %s is not running (%s)\n", p->name,
			   process_state_name(p->state));
		return;
	}
	processes_kill(c->ps, p);
	shell_say(sh, "killed %s\n", p->name);
}

static void cmd_restart(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct process_commands *c = ctx;
	struct process *p = named(sh, c, argc, argv);

	if (!p)
		return;
	if (!processes_restart(c->ps, p)) {
		shell_fail(sh, "restart: %s could not be restarted\n", p->name);
		return;
	}
	shell_say(sh, "restarted %s\n", p->name);
}

static void input_done(void *ctx)
{
	shell_answer_done(ctx);
}

static void cmd_input(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct process_commands *c = ctx;

	(void)argc;
	(void)argv;
	if (!c->cd || !console_driver_reader(c->cd)) {
		shell_fail(sh, "input: no process is waiting for a line\n");
		return;
	}
	/* No answer, no prompt, until the process has its line. */
	shell_answer_later(sh);
	console_driver_read(c->cd, input_done, sh);
}

/* The drivers processes reach, in the order the board registered them,
 * each with the counters it keeps (none: the driver keeps none). */
static void cmd_drivers(struct shell *sh, void *ctx, int argc, char **argv)
{
	const struct syscall_driver *d;
	char line[LOG_LINE_MAX];

	(void)ctx;
	(void)argc;
	(void)argv;
	shell_say(sh, "number   name      since boot\n");
	for (unsigned i = 0; (d = syscall_driver_at(i)) != NULL; i++) {
		bool kept = d->counters && d->counters(d->ctx, line, sizeof(line)) >= 0;
		shell_say(sh, "0x%-6x %-9s %s\n", d->number, d->name, kept ? line : "-");
	}
}

static const struct shell_command commands[] = {
	{ "ps", "", "processes: state, calls, upcalls, faults, memory", cmd_ps },
	{ "kill", "<name>", "stop a process", cmd_kill },
	{ "restart", "<name>", "start a process again from its file", cmd_restart },
	{ "input", "", "give the next line to the process waiting for one", cmd_input },
	{ "drivers", "", "the drivers processes call, and their counters", cmd_drivers },
};

void process_commands_init(struct process_commands *c, struct processes *ps,
			   struct console_driver *cd)
{
	memset(c, 0, sizeof(*c));
	c->ps = ps;
	c->cd = cd;
	c->set = (struct shell_command_set){
		.name = "processes",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
