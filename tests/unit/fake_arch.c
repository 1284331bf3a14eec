/* Host fake of kernel/arch.h: see fake_arch.h. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/arch.h"
#include "fake_arch.h"

struct cpu fake_cpu;
bool fake_irq_enabled;
char fake_arch_trace[256];
uint64_t fake_cycles;
void (*fake_on_idle)(void);
struct cpu *fake_cpus[CPU_MAX] = { &fake_cpu };
unsigned fake_wakes[CPU_MAX];

/* Per thread, so that threaded tests (tests/tsan) see one CPU per thread. */
static __thread struct cpu *fake_this_cpu;

static void trace(char c)
{
	size_t n = strlen(fake_arch_trace);
	if (n + 1 < sizeof(fake_arch_trace)) {
		fake_arch_trace[n] = c;
		fake_arch_trace[n + 1] = '\0';
	}
}

void fake_arch_reset(void)
{
	memset(&fake_cpu, 0, sizeof(fake_cpu));
	fake_cpu.self = &fake_cpu;
	fake_irq_enabled = false;
	fake_arch_trace[0] = '\0';
	fake_cycles = 0;
	fake_on_idle = NULL;
	memset(fake_cpus, 0, sizeof(fake_cpus));
	memset(fake_wakes, 0, sizeof(fake_wakes));
	fake_cpus[0] = &fake_cpu;
	fake_this_cpu = NULL;
}

void fake_arch_set_this_cpu(struct cpu *c)
{
	fake_this_cpu = c;
}

void arch_irq_enable(void)
{
	trace('E');
	fake_irq_enabled = true;
}

void arch_irq_disable(void)
{
	trace('D');
	fake_irq_enabled = false;
}

void arch_enable_irq_and_idle(void)
{
	trace('I');
	fake_irq_enabled = true;
	if (fake_on_idle)
		fake_on_idle();
}

_Noreturn void arch_halt_forever(void)
{
	mock_assert(0, "arch_halt_forever", __FILE__, __LINE__);
	abort();
}

_Noreturn void arch_reboot(void)
{
	mock_assert(0, "arch_reboot", __FILE__, __LINE__);
	abort();
}

struct cpu *arch_this_cpu(void)
{
	return fake_this_cpu ? fake_this_cpu : &fake_cpu;
}

uint64_t arch_cycles(void)
{
	return ++fake_cycles;
}

void arch_cpu_relax(void)
{
	sched_yield(); /* more threads than host cores: let the holder run */
}

struct cpu *arch_cpu(unsigned id)
{
	return id < CPU_MAX ? fake_cpus[id] : NULL;
}

void arch_wake_cpu(const struct cpu *cpu)
{
	fake_wakes[cpu->id]++;
}
