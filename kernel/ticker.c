/* The ticker (ticker.h): the CPU the watchdog's tick interrupts. */
#include "ticker.h"

#include "arch.h"

static uint64_t no_ticker; /* ticker_flag's word until there is a ticker */
uint64_t *ticker_flag = &no_ticker;
static unsigned ticker_cpu;
static void (*ticker_unmask)(void);

void ticker_set_cpu(unsigned id, void (*unmask)(void))
{
	struct cpu *c = arch_cpu(id);

	ticker_cpu = id;
	ticker_unmask = unmask;
	ticker_flag = c ? &c->idle : &no_ticker;
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
	struct cpu *c = arch_cpu(ticker_cpu);

	/* The first CPU to wake after the ticker masked its tick turns it on;
	 * the ones after it find the flag down and pay a load only. */
	if (!c || c == self ||
	    !(__atomic_fetch_and(&c->idle, ~(uint64_t)TICKER_ASLEEP, __ATOMIC_ACQ_REL) &
	      TICKER_ASLEEP))
		return;
	if (ticker_unmask)
		ticker_unmask();
	else
		arch_wake_cpu(c);
}

void ticker_reset_for_test(void)
{
	no_ticker = 0;
	ticker_flag = &no_ticker;
	ticker_cpu = 0;
	ticker_unmask = NULL;
}
