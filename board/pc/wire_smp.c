/*
 * The pc board's other CPUs (wire_smp.h).
 *
 * Which CPUs: the enabled ones of the MADT (board_platform.cpus), minus
 * this one. Entries the MADT marks disabled were never listed there;
 * more than knock's CPU_MAX are capped with a message. The kernel option
 * smp_phantom=<apic id> adds one APIC id nobody answers, so the tests can
 * see a CPU that does not come up being reported and skipped.
 *
 * Each started CPU runs ap_main() below: its LAPIC, its own copy of the
 * calibrated LAPIC alarm (the TSC and the LAPIC timers of all CPUs run at
 * the same rates), its own alarm mux on the timer bit, its end of each
 * cross-CPU call, then its loop.
 *
 * The lab image's SMP benchmarks (smpbench=, capsules/lab/bench_smp.h)
 * join each CPU through the board extension's wire_ap hook.
 */
#include <stdint.h>

#include "board/pc/extension.h"
#include "board/pc/interrupts.h"
#include "board/pc/wire_acpi.h"
#include "board/pc/wire_shell.h"
#include "board/pc/wire_smp.h"
#include "board/pc/wire_timer.h"
#include "capsules/shell_smp.h"
#include "capsules/smp_count.h"
#include "capsules/smp_ping.h"
#include "chips/x86_64/lapic.h"
#include "chips/x86_64/smp.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/string.h"

/* The platform's CPU list holds every CPU knock can start, so the ones
 * past it are the ones to report as ignored. */
_Static_assert(PLATFORM_MAX_CPUS >= CPU_MAX, "PLATFORM_MAX_CPUS must be at least CPU_MAX");

static struct smp_count smp_count;
static struct smp_ping smp_ping;
static struct shell_smp shell_smp;
static unsigned cpu_limit = CPU_MAX;

/* Per CPU id; [0] stays unused (the boot CPU's are in wire_timer.c; every
 * CPU's shell is in wire_shell.c). */
static struct lapic_alarm ap_alarm[CPU_MAX];
static struct hil_alarm ap_alarm_hw[CPU_MAX];
static struct alarm_mux ap_mux[CPU_MAX];

void board_wire_smp(void)
{
	smp_count_init(&smp_count);
	smp_ping_init(&smp_ping);
	board_wire_shell_smp(&shell_smp, &smp_count, &smp_ping);
}

void board_limit_cpus(unsigned cpus, const char *why)
{
	if (cpus < 1)
		cpus = 1;
	if (cpus < cpu_limit) {
		cpu_limit = cpus;
		log_info("smp: at most %u cpu%s: %s", cpus, cpus == 1 ? "" : "s", why);
	}
}

/* Every other CPU, on its own stack, with interrupts off. Nothing here
 * logs: the log's console queue belongs to the boot CPU's loop. */
static _Noreturn void ap_main(unsigned cpu)
{
	lapic_init(board_platform.lapic_address, VEC_LAPIC_SPURIOUS, VEC_TIMER,
		   board_lint1_is_nmi());

	struct lapic_alarm *a = &ap_alarm[cpu];
	a->tsc_hz = board_lapic_alarm.tsc_hz;
	a->lapic_hz = board_lapic_alarm.lapic_hz;
	a->lapic_per_tsc_q32 = board_lapic_alarm.lapic_per_tsc_q32;
	lapic_alarm_hil(a, &ap_alarm_hw[cpu]);
	alarm_mux_init(&ap_mux[cpu], &ap_alarm_hw[cpu]);
	loop_set_client(BIT_TIMER, "alarm_mux", alarm_mux_service, &ap_mux[cpu]);

	smp_count_join(&smp_count);
	smp_ping_join(&smp_ping);
	board_wire_shell_on_ap(cpu, &ap_mux[cpu]);
	board_irq_cpus_wire_ap(cpu);
	board_extensions_wire_ap(cpu);

	smp_ap_online();
	loop_run();
}

struct alarm_mux *board_ap_alarm_mux(unsigned cpu)
{
	return cpu && cpu < CPU_MAX ? &ap_mux[cpu] : NULL;
}

/* The trampoline's page must be RAM the memory map calls available. */
static bool trampoline_page_free(const struct boot_info *bi)
{
	uint64_t lo = SMP_TRAMPOLINE_BASE, hi = lo + SMP_TRAMPOLINE_PAGE_BYTES;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (e->type == 1 && e->base <= lo && e->base + e->length >= hi)
			return true;
	}
	return false;
}

void board_start_aps(const struct boot_info *bi)
{
	static uint32_t apic_ids[CPU_MAX];
	unsigned count = 0, listed = 0, unreachable = 0;
	uint32_t me = lapic_id();
	const struct platform *p = &board_platform;
	const char *table = board_irq_routing == BOARD_ROUTING_MPTABLE ? "MP table" : "MADT";
	char phantom[12];

	for (unsigned i = 0; i < p->cpu_count; i++) {
		if (p->cpus[i].apic_id == me)
			continue;
		if (!lapic_can_reach(p->cpus[i].apic_id)) {
			unreachable++; /* said by board_choose_apic_mode() */
			continue;
		}
		listed++;
		if (count < cpu_limit - 1)
			apic_ids[count++] = p->cpus[i].apic_id;
	}
	if (p->cpus_disabled)
		log_info("smp: %u cpu%s the MADT lists as disabled: skipped", p->cpus_disabled,
			 p->cpus_disabled == 1 ? "" : "s");
	if (cpu_limit < CPU_MAX) {
		/* Said by board_limit_cpus(). */
	} else if (listed > count || p->cpus_dropped)
		log_warn("smp: the %s lists %u enabled cpus; knock supports %u: starting %u, "
			 "ignoring %u",
			 table, p->cpu_count + p->cpus_dropped - unreachable, CPU_MAX, count + 1,
			 listed - count + p->cpus_dropped);
	if (cmdline_value("smp_phantom", phantom, sizeof(phantom))) {
		uint32_t id = 0;
		for (const char *c = phantom; *c >= '0' && *c <= '9'; c++)
			id = id * 10 + (uint32_t)(*c - '0');
		if (count < cpu_limit - 1) {
			log_info(
				"smp: smp_phantom=%u: also starting that APIC id, which no CPU has",
				id);
			apic_ids[count++] = id;
		}
	}
	if (count && !trampoline_page_free(bi)) {
		log_warn("smp: the memory map does not show RAM at 0x%x for the AP trampoline; "
			 "running on the boot cpu only",
			 SMP_TRAMPOLINE_BASE);
		count = 0;
	}
	const struct smp_config cfg = {
		.tsc_hz = board_lapic_alarm.tsc_hz,
		.wakeup_vector = VEC_WAKEUP,
		.apic_ids = apic_ids,
		.count = count,
		.ap_main = ap_main,
	};
	unsigned online = smp_start_aps(&cfg);
	log_info("smp: %u of %u cpus online", online, count + 1);
}
