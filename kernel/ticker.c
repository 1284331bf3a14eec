/* The ticker (ticker.h): the CPU the watchdog's tick interrupts. */
#include "ticker.h"

#include "arch.h"

unsigned ticker_asleep;
static unsigned ticker_cpu;
static void (*ticker_unmask)(void);

void ticker_set_cpu(unsigned id, void (*unmask)(void))
{
	ticker_cpu = id;
	ticker_unmask = unmask;
}

bool ticker_others_awake(const struct cpu *self)
{
	for (unsigned id = 0; id < CPU_MAX; id++) {
		const struct cpu *c = arch_cpu(id);
		if (!c)
			break;
		if (c != self && __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE &&
		    !__atomic_load_n(&c->idle, __ATOMIC_SEQ_CST))
			return true;
	}
	return false;
}

void ticker_wake(const struct cpu *self)
{
	const struct cpu *c = arch_cpu(ticker_cpu);

	/* The first CPU to wake after the ticker masked its tick turns it on;
	 * the ones after it find the flag down and pay a load only. */
	if (!c || c == self || !__atomic_exchange_n(&ticker_asleep, 0, __ATOMIC_ACQ_REL))
		return;
	if (ticker_unmask)
		ticker_unmask();
	else
		arch_wake_cpu(c);
}

void ticker_reset_for_test(void)
{
	ticker_asleep = 0;
	ticker_cpu = 0;
	ticker_unmask = NULL;
}
