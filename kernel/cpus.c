/* The CPUs as capsules see them (cpus.h), read through the arch interface. */
#include "cpus.h"

#include "arch.h"

unsigned cpus_this(void)
{
	return arch_this_cpu()->id;
}

unsigned cpus_known(void)
{
	unsigned n = 0;
	while (n < CPU_MAX && arch_cpu(n))
		n++;
	return n;
}

static enum cpu_state state_of(const struct cpu *c)
{
	return (enum cpu_state)__atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
}

bool cpus_is_online(unsigned id)
{
	const struct cpu *c = arch_cpu(id);
	return c && state_of(c) == CPU_ONLINE;
}

uint64_t cpus_online_mask(void)
{
	uint64_t mask = 0;
	for (unsigned id = 0; id < CPU_MAX; id++)
		if (cpus_is_online(id))
			mask |= (uint64_t)1 << id;
	return mask;
}

bool cpus_info(unsigned id, struct cpu_info *out)
{
	const struct cpu *c = arch_cpu(id);
	if (!c)
		return false;
	/* Relaxed loads of counters only their own CPU writes: each value is
	 * one the counter really had. */
	*out = (struct cpu_info){
		.id = id,
		.hw_id = c->hw_id,
		.state = state_of(c),
		.idle = __atomic_load_n(&c->idle, __ATOMIC_ACQUIRE) != 0,
		.rounds = __atomic_load_n(&c->rounds, __ATOMIC_RELAXED),
		.sleeps = __atomic_load_n(&c->sleeps, __ATOMIC_RELAXED),
		.wakeups = __atomic_load_n(&c->wakeups, __ATOMIC_RELAXED),
		.ipis = __atomic_load_n(&c->ipis, __ATOMIC_RELAXED),
	};
	return true;
}

const char *cpus_state_name(enum cpu_state state)
{
	switch (state) {
	case CPU_ABSENT:
		return "absent";
	case CPU_STARTING:
		return "starting";
	case CPU_ONLINE:
		return "online";
	case CPU_FAILED:
		return "failed";
	}
	return "?";
}
