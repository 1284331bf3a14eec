/*
 * The pc board's shell wiring (wire_shell.h): the one place that says
 * which command sets each shell answers. A capsule with commands defines
 * its set next to itself (capsules/<name>_commands.c); adding one is a
 * line here (docs/capsules.md).
 */
#include "board/pc/wire_shell.h"

#include "board/pc/wire_bench.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_timer.h"
#include "board/pc/wire_watchdog.h"
#include "capsules/alarm_commands.h"
#include "capsules/alarm_flood_commands.h"
#include "capsules/bench_commands.h"
#include "capsules/busy_commands.h"
#include "capsules/fault_commands.h"
#include "capsules/heartbeat.h"
#include "capsules/heartbeat_commands.h"
#include "capsules/keyboard_commands.h"
#include "capsules/reboot_commands.h"
#include "capsules/sink_commands.h"
#include "capsules/smp_commands.h"
#include "capsules/stats_commands.h"
#include "capsules/storm_commands.h"
#include "capsules/trace_commands.h"
#include "chips/x86_64/fault_inject.h"
#include "chips/x86_64/reset.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"

static struct shell shell;
static struct heartbeat heartbeat;

static struct alarm_commands alarm_cmds;
static struct keyboard_commands keyboard_cmds;
static struct heartbeat_commands heartbeat_cmds;
static struct stats_commands stats_cmds;
static struct trace_commands trace_cmds;
static struct reboot_commands reboot_cmds;
static struct fault_commands fault_cmds;
static struct bench_commands bench_cmds;
static struct busy_commands busy_cmds;
static struct sink_commands sink_cmds;
static struct alarm_flood_commands flood_cmds;
static struct storm_commands storm_cmds;
static struct shell_remote remote;
static struct smp_commands smp_cmds;

/* Per other CPU, by CPU id ([0] stays unused). */
static struct shell ap_shell[CPU_MAX];
static struct shell_remote ap_remote[CPU_MAX];
static struct alarm_commands ap_alarm_cmds[CPU_MAX];
static struct smp_commands ap_smp_cmds[CPU_MAX];
static struct fault_commands ap_fault_cmds[CPU_MAX];
static struct shell_smp *shell_smp;
static struct smp_count *smp_count;
static struct smp_ping *smp_ping;

static _Noreturn void pc_reset(void *hw)
{
	(void)hw;
	arch_irq_disable();
	board_console_flush_sync();
	x86_reset();
}

static const struct hil_reset reset = { .hw = NULL, .reset = pc_reset };

void board_wire_shell(void)
{
	const struct board_observe *o = board_observe();

	heartbeat_init(&heartbeat, &board_alarm_mux);
	shell_init(&shell, board_console());

	alarm_commands_init(&alarm_cmds, &board_alarm_mux);
	keyboard_commands_init(&keyboard_cmds, board_keyboard());
	heartbeat_commands_init(&heartbeat_cmds, &heartbeat);
	stats_commands_init(&stats_cmds, o->stats);
	trace_commands_init(&trace_cmds, o->trace_dump);
	reboot_commands_init(&reboot_cmds, &reset, &board_alarm_mux);
	fault_commands_init(&fault_cmds, x86_fault_trigger, x86_fault_kinds);
	bench_commands_init(&bench_cmds, board_bench_report);
	busy_commands_init(&busy_cmds, o->busy);
	sink_commands_init(&sink_cmds, o->sink);
	alarm_flood_commands_init(&flood_cmds, o->flood);
	storm_commands_init(&storm_cmds, board_storm());

	shell_register(&shell, &alarm_cmds.set);
	shell_register(&shell, &keyboard_cmds.set);
	shell_register(&shell, &heartbeat_cmds.set);
	shell_register(&shell, &stats_cmds.set);
	shell_register(&shell, &trace_cmds.set);
	shell_register(&shell, &reboot_cmds.set);
	shell_register(&shell, &fault_cmds.set);
	shell_register(&shell, &bench_cmds.set);
	shell_register(&shell, &busy_cmds.set);
	shell_register(&shell, &sink_cmds.set);
	shell_register(&shell, &flood_cmds.set);
	shell_register(&shell, &storm_cmds.set);
	shell_start(&shell);
}

void board_wire_shell_smp(struct shell_smp *smp, struct smp_count *count, struct smp_ping *ping)
{
	shell_smp = smp;
	smp_count = count;
	smp_ping = ping;
	shell_smp_init(smp);
	shell_remote_init(&remote, smp, &shell, &board_alarm_mux);
	smp_commands_init(&smp_cmds, count, ping, &board_alarm_mux);

	shell_register(&shell, &remote.set);
	shell_register(&shell, &smp_cmds.set);
}

/* No keyboard, reset, interrupt counters, heartbeat or lab tools here:
 * those belong to the console's CPU. */
void board_wire_shell_on_ap(unsigned cpu, struct alarm_mux *mux)
{
	struct shell *w = &ap_shell[cpu];

	shell_worker_init(w, &ap_remote[cpu], shell_smp, mux);
	alarm_commands_init(&ap_alarm_cmds[cpu], mux);
	smp_commands_init(&ap_smp_cmds[cpu], smp_count, smp_ping, mux);
	fault_commands_init(&ap_fault_cmds[cpu], x86_fault_trigger, x86_fault_kinds);

	shell_register(w, &ap_alarm_cmds[cpu].set);
	shell_register(w, &ap_fault_cmds[cpu].set);
	shell_register(w, &ap_remote[cpu].set);
	shell_register(w, &ap_smp_cmds[cpu].set);
}

struct shell *board_shell(void)
{
	return &shell;
}
