/*
 * The lab wing of the pc board (docs/lab.md): everything knock-lab.iso
 * adds to the product, joined through the one board extension below
 * (board/pc/extension.h). knock.iso does not link this file.
 *
 * Options (the product ignores them):
 *   bench                  the in-guest figures of `make bench`: the
 *                          deferred-call loop (capsules/lab/bench_deferred.h)
 *                          and the idle wake-ups (bench_idle.h)
 *   stubs=plain|stamped    device top halves: the three-instruction ones
 *                          (default), or ones that also store the TSC at
 *                          entry in irq_stamp (the bake-off's latencies,
 *                          stats' latency from the interrupt)
 *   design=knock|inisr|isrqueue, bakeoff, burn=whole|split, world,
 *   world_keys=N, world_bytes=N   the bake-off (design.h, wire_bakeoff.c)
 *   smpbench=ipi|fair|handover  the SMP figures (capsules/lab/bench_smp.h)
 *   fault=<kind>           provoke a CPU exception once the loop runs
 * and the shell commands busy, sink, storm, `alarms flood`, fault, bench.
 */
#include "board/pc/extension.h"
#include "board/pc/lab/design.h"
#include "board/pc/lab/interrupts.h"
#include "board/pc/lab/wire_bakeoff.h"
#include "board/pc/wire_console.h"
#include "board/pc/wire_observe.h"
#include "board/pc/wire_timer.h"
#include "board/pc/wire_shell.h"
#include "board/pc/wire_smp.h"
#include "capsules/lab/alarm_flood_commands.h"
#include "capsules/lab/bench_commands.h"
#include "capsules/lab/bench_deferred.h"
#include "capsules/lab/bench_idle.h"
#include "capsules/lab/bench_smp.h"
#include "capsules/lab/busy_commands.h"
#include "capsules/lab/fault_commands.h"
#include "capsules/lab/sink_commands.h"
#include "capsules/lab/storm_commands.h"
#include "chips/x86_64/lab/fault_inject.h"
#include "chips/x86_64/lab/irq_off_meter.h"
#include "chips/x86_64/lab/top_halves_lab.h"
#include "chips/x86_64/lapic.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/deferred.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/string.h"

static bool option_bench;
static char fault_kind[16];
static bool smp_bench_on;

static struct storm storm;
static struct busy busy;
static struct sink sink;
static struct alarm_flood flood;
static struct bench_deferred bench_deferred;
static struct bench_idle bench_idle;
static struct bench_smp bench_smp;
static struct deferred_call fault_dc;

/* The lab's shell commands, on the console's shell; `fault` on every
 * CPU's (`on 3 fault stack`). */
static struct busy_commands busy_cmds;
static struct sink_commands sink_cmds;
static struct alarm_flood_commands flood_cmds;
static struct storm_commands storm_cmds;
static struct fault_commands fault_cmds;
static struct bench_commands bench_cmds;
static struct fault_commands ap_fault_cmds[CPU_MAX];
static struct busy ap_busy[CPU_MAX];
static struct busy_commands ap_busy_cmds[CPU_MAX];

/* --- the lab's interrupt rows and stubs ------------------------------------ */

void lab_interrupts_init(bool stamped)
{
#define DECLARE_LAB_SLOT(e, name, vector, bit, isa, cpu) loop_declare_interrupt(bit, name);
	LAB_INTERRUPTS(DECLARE_LAB_SLOT)
#undef DECLARE_LAB_SLOT
	top_halves_lab_install(stamped);
	if (top_halves_stamped()) {
		board_top_halves_kind = "timestamped";
		log_info("irq: timestamped top halves (stubs=stamped): TSC at entry in irq_stamp");
	}
}

static bool stamped_option(void)
{
	char value[16];

	if (!cmdline_value("stubs", value, sizeof(value)))
		return false;
	if (!strcmp(value, "stamped"))
		return true;
	if (strcmp(value, "plain") != 0)
		log_warn("options: stubs=%s is not plain or stamped; using plain", value);
	return false;
}

static void raise_storm(void *hw)
{
	(void)hw;
	lapic_self_ipi(VEC_STORM);
}

static const struct hil_soft_irq storm_irq = { .hw = NULL, .raise = raise_storm };

/* --- fault= ------------------------------------------------------------------ */

/* A deferred call, so that the report's backtrace shows the loop
 * dispatching it. */
static void fault_fire(void *ctx)
{
	(void)ctx;
	log_info("fault: provoking '%s' as asked on the command line", fault_kind);
	if (x86_fault_trigger(fault_kind))
		log_info("fault: '%s' was reported and the system resumed", fault_kind);
	else
		log_warn("fault: '%s' is not a fault kind (kinds: %s)", fault_kind,
			 x86_fault_kinds);
}

/* --- the extension ------------------------------------------------------------ */

static void smp_bench_init(void)
{
	static const struct {
		const char *name;
		enum bench_smp_mode mode;
	} modes[] = { { "ipi", BENCH_SMP_IPI },
		      { "fair", BENCH_SMP_FAIR },
		      { "handover", BENCH_SMP_HANDOVER } };
	char mode[16];

	if (!cmdline_value("smpbench", mode, sizeof(mode)))
		return;
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].name) != 0)
			continue;
		smp_bench_on = true;
		bench_smp_init(&bench_smp, modes[i].mode, &board_alarm_mux);
	}
	if (!smp_bench_on)
		log_warn("options: smpbench=%s is not ipi, fair or handover; ignored", mode);
}

static void bench_report(void (*line)(void *arg, const char *text), void *arg)
{
	char text[160];

	bench_idle_format(&bench_idle, text, sizeof(text));
	line(arg, text);
}

static void register_commands(void)
{
	struct shell *sh = board_shell();

	busy_commands_init(&busy_cmds, &busy);
	sink_commands_init(&sink_cmds, &sink);
	alarm_flood_commands_init(&flood_cmds, &flood);
	storm_commands_init(&storm_cmds, &storm);
	fault_commands_init(&fault_cmds, x86_fault_trigger, x86_fault_kinds);
	bench_commands_init(&bench_cmds, bench_report);
	shell_register(sh, &busy_cmds.set);
	shell_register(sh, &sink_cmds.set);
	shell_register(sh, &flood_cmds.set);
	shell_register(sh, &storm_cmds.set);
	shell_register(sh, &fault_cmds.set);
	shell_register(sh, &bench_cmds.set);
}

static void lab_wire(void)
{
	lab_interrupts_init(stamped_option());
	storm_init(&storm, &board_alarm_mux, &storm_irq);
	loop_set_client(BIT_STORM, "storm", storm_service, &storm);

	busy_init(&busy, &board_alarm_mux);
	sink_init(&sink, board_console(), &board_alarm_mux);
	alarm_flood_init(&flood, &board_alarm_mux);

	option_bench = cmdline_has("bench");
	if (option_bench)
		bench_deferred_init(&bench_deferred);
	smp_bench_init();

	if (cmdline_value("fault", fault_kind, sizeof(fault_kind))) {
		deferred_call_init(&fault_dc, "fault");
		deferred_call_register(&fault_dc, "fault", fault_fire, 0);
	}

	bench_idle_init(&bench_idle, &board_alarm_mux);
	register_commands();

	board_design_init();
	board_wire_com2();
	board_design_wire();
	board_wire_bakeoff();
}

static void lab_wire_ap(unsigned cpu)
{
	struct shell *sh = board_ap_shell(cpu);

	if (sh) {
		fault_commands_init(&ap_fault_cmds[cpu], x86_fault_trigger, x86_fault_kinds);
		shell_register(sh, &ap_fault_cmds[cpu].set);
		/* `on 3 busy 3000`: a stall on that CPU, for the watchdog. */
		busy_init_on_cpu(&ap_busy[cpu], board_ap_alarm_mux(cpu), &busy);
		busy_commands_init(&ap_busy_cmds[cpu], &ap_busy[cpu]);
		shell_register(sh, &ap_busy_cmds[cpu].set);
	}
	if (smp_bench_on)
		bench_smp_join(&bench_smp);
}

static void lab_start(void)
{
	if (fault_kind[0])
		deferred_call_set(&fault_dc);
	if (option_bench) {
		bench_deferred_start(&bench_deferred);
		bench_idle_start(&bench_idle);
	}
	if (smp_bench_on)
		bench_smp_start(&bench_smp);
}

/* Instead of loop_run(): the design's preparation, then the bake-off's
 * clock and meter, then the design's loop. */
static void lab_run(void)
{
	board_design_prepare();
	if (board_bakeoff) {
		irq_off_meter_start();
		board_bakeoff_start();
	}
	board_design_loop();
}

BOARD_EXTENSION(lab_extension) = {
	.name = "lab",
	.wire = lab_wire,
	.wire_ap = lab_wire_ap,
	.start = lab_start,
	.run = lab_run,
};
