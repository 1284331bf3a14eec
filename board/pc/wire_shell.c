/*
 * The pc board's shell wiring (wire_shell.h): the one place that says
 * which command sets each shell answers. A capsule with commands defines
 * its set next to itself (capsules/<name>_commands.c); adding one is a
 * line here (docs/capsules.md).
 */
#include "board/pc/wire_shell.h"

#include "board/pc/wire_console.h"
#include "board/pc/wire_keyboard.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_pci.h"
#include "board/pc/wire_reset.h"
#include "board/pc/wire_timer.h"
#include "board/pc/wire_virtio_net.h"
#include "board/pc/wire_virtio_blk.h"
#include "board/pc/wire_virtio_rng.h"
#include "capsules/alarm_commands.h"
#include "capsules/heartbeat.h"
#include "capsules/heartbeat_commands.h"
#include "capsules/keyboard_commands.h"
#include "capsules/pci_commands.h"
#include "capsules/reboot_commands.h"
#include "capsules/net_commands.h"
#include "capsules/blk_commands.h"
#include "capsules/rng_commands.h"
#include "capsules/smp_commands.h"
#include "capsules/stats_commands.h"
#include "capsules/trace_commands.h"
#include "capsules/watchdog_commands.h"
#include "kernel/cpu.h"

static struct shell shell;
static struct heartbeat heartbeat;

static struct alarm_commands alarm_cmds;
static struct keyboard_commands keyboard_cmds;
static struct heartbeat_commands heartbeat_cmds;
static struct stats_commands stats_cmds;
static struct trace_commands trace_cmds;
static struct watchdog_commands watchdog_cmds;
static struct reboot_commands reboot_cmds;
static struct pci_commands pci_cmds;
static struct rng_commands rng_cmds;
static struct net_commands net_cmds;
static struct blk_commands blk_cmds;
static struct shell_remote remote;
static struct smp_commands smp_cmds;

/* Per other CPU, by CPU id ([0] stays unused). */
static struct shell ap_shell[CPU_MAX];
static struct shell_remote ap_remote[CPU_MAX];
static struct alarm_commands ap_alarm_cmds[CPU_MAX];
static struct smp_commands ap_smp_cmds[CPU_MAX];
static struct shell_smp *shell_smp;
static struct smp_count *smp_count;
static struct smp_ping *smp_ping;

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
	watchdog_commands_init(&watchdog_cmds);
	reboot_commands_init(&reboot_cmds, &board_reset, &board_alarm_mux);
	pci_commands_init(&pci_cmds, board_pci_scan()->functions, board_pci_scan()->count,
			  board_pci_method(), board_pci_read_all_bars);
	rng_commands_init(&rng_cmds, board_rng(), &board_alarm_mux);
	unsigned link_count;
	const struct net_counter *link = board_net_link_counters(&link_count);
	net_commands_init(&net_cmds, board_net_stack(), link, link_count);
	blk_commands_init(&blk_cmds, board_block(), &board_alarm_mux);

	shell_register(&shell, &alarm_cmds.set);
	shell_register(&shell, &keyboard_cmds.set);
	shell_register(&shell, &heartbeat_cmds.set);
	shell_register(&shell, &stats_cmds.set);
	shell_register(&shell, &trace_cmds.set);
	shell_register(&shell, &watchdog_cmds.set);
	shell_register(&shell, &reboot_cmds.set);
	shell_register(&shell, &pci_cmds.set);
	shell_register(&shell, &rng_cmds.set);
	shell_register(&shell, &net_cmds.set);
	shell_register(&shell, &blk_cmds.set);
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

/* No keyboard, reset, interrupt counters or heartbeat here: those belong
 * to the console's CPU. (The lab image adds its fault set here too, from
 * its wire_ap hook.) */
void board_wire_shell_on_ap(unsigned cpu, struct alarm_mux *mux)
{
	struct shell *w = &ap_shell[cpu];

	shell_worker_init(w, &ap_remote[cpu], shell_smp, mux);
	alarm_commands_init(&ap_alarm_cmds[cpu], mux);
	smp_commands_init(&ap_smp_cmds[cpu], smp_count, smp_ping, mux);

	shell_register(w, &ap_alarm_cmds[cpu].set);
	shell_register(w, &ap_remote[cpu].set);
	shell_register(w, &ap_smp_cmds[cpu].set);
}

struct shell *board_shell(void)
{
	return &shell;
}

struct shell *board_ap_shell(unsigned cpu)
{
	return cpu && cpu < CPU_MAX ? &ap_shell[cpu] : NULL;
}
