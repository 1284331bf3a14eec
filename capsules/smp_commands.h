/*
 * The shell's SMP commands, as a command set (capsules/shell.h):
 *   cpus            every CPU: APIC id, state, loop counters, IPIs
 *   smptest <n>     all CPUs add n to two shared counters (smp_count.h)
 *   ping            every CPU knocks on every other (smp_ping.h)
 * smptest and ping answer later, when their capsule calls back.
 *
 *	static struct smp_commands smp_cmds;
 *	smp_commands_init(&smp_cmds, &count, &ping, &mux);
 *	shell_register(&shell, &smp_cmds.set);
 */
#ifndef KNOCK_CAPSULES_SMP_COMMANDS_H
#define KNOCK_CAPSULES_SMP_COMMANDS_H

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "capsules/smp_count.h"
#include "capsules/smp_ping.h"

struct smp_commands {
	struct smp_count *count; /* NULL: smptest says there is none */
	struct smp_ping *ping;   /* NULL: ping says there is none */
	struct alarm_mux *mux;   /* this CPU's, for the workloads' timeouts */
	struct shell_command_set set;
};

void smp_commands_init(struct smp_commands *c, struct smp_count *count, struct smp_ping *ping,
		       struct alarm_mux *mux);

#endif
