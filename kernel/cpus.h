/*
 * The CPUs, as capsules see them (capsules may not include kernel/arch.h):
 * who this CPU is, which CPUs exist, and a snapshot of each one's loop
 * counters for `cpus`. CPU ids are dense: 0 is the boot CPU, then the
 * others in the order the firmware listed them, including any that failed
 * to start (their state says so).
 */
#ifndef KNOCK_KERNEL_CPUS_H
#define KNOCK_KERNEL_CPUS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "cpu.h"

struct cpu_info {
	unsigned id;
	uint32_t hw_id; /* APIC id on x86 */
	enum cpu_state state;
	bool idle; /* past its loop's idle mark: halted, or about to be */
	uint64_t rounds, sleeps, wakeups, ipis;
};

/* The calling CPU's id. */
unsigned cpus_this(void);
/* How many CPU ids exist (online or not): ids 0 .. cpus_known() - 1. */
unsigned cpus_known(void);
bool cpus_is_online(unsigned id);
/* Bit i set: CPU i is online. */
uint64_t cpus_online_mask(void);
/* A snapshot of CPU `id` (counters read while it runs: each one is
 * exact, but they are not read at one instant). False if no such CPU. */
bool cpus_info(unsigned id, struct cpu_info *out);
/* How many CPUs a mask names (no popcount instruction assumed). */
static inline unsigned cpus_in_mask(uint64_t mask)
{
	unsigned n = 0;
	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* The spin-wait hint (x86 `pause`), for capsules' own busy waits. */
static inline void cpus_relax(void)
{
	arch_cpu_relax();
}

/* A state's name: "absent", "starting", "online", "failed". */
const char *cpus_state_name(enum cpu_state state);

#endif
