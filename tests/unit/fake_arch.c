/* Host fake of kernel/arch.h: see fake_arch.h. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "kernel/arch.h"
#include "fake_arch.h"

struct cpu fake_cpu;
__thread bool fake_irq_enabled;
__thread char fake_arch_trace[256];
__thread unsigned fake_relaxes;
uint64_t fake_cycles;
void (*fake_on_idle)(void);
void (*fake_on_relax)(void);
void (*fake_on_halt)(void);
void (*fake_on_irq_disable)(void);
struct cpu *fake_cpus[CPU_MAX] = { &fake_cpu };
unsigned fake_wakes[CPU_MAX];
unsigned fake_lost_wakeups;
unsigned fake_stops;
void (*fake_on_stop)(void);
__thread bool fake_halt_ends_thread;

/* Each CPU's latched wake-up IPI (its interrupt request), by CPU id. */
static pthread_mutex_t lapic_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lapic_cond = PTHREAD_COND_INITIALIZER;
static bool ipi_latched[CPU_MAX];

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
	fake_on_relax = NULL;
	fake_on_halt = NULL;
	fake_on_irq_disable = NULL;
	fake_relaxes = 0;
	fake_lost_wakeups = 0;
	fake_stops = 0;
	fake_on_stop = NULL;
	fake_wake_fails = false;
	memset(ipi_latched, 0, sizeof(ipi_latched));
	memset(fake_cpus, 0, sizeof(fake_cpus));
	memset(fake_wakes, 0, sizeof(fake_wakes));
	fake_cpus[0] = &fake_cpu;
	fake_this_cpu = NULL;
}

void fake_arch_set_this_cpu(struct cpu *c)
{
	fake_this_cpu = c;
}

/* Interrupts on: a latched IPI is taken now (it ends no later halt). */
static void take_latched_ipi(void)
{
	unsigned id = arch_this_cpu()->id % CPU_MAX;

	pthread_mutex_lock(&lapic_lock);
	ipi_latched[id] = false;
	pthread_mutex_unlock(&lapic_lock);
}

void arch_irq_enable(void)
{
	trace('E');
	fake_irq_enabled = true;
	take_latched_ipi();
}

bool arch_irq_enabled(void)
{
	return fake_irq_enabled;
}

void arch_irq_disable(void)
{
	trace('D');
	fake_irq_enabled = false;
	if (fake_on_irq_disable)
		fake_on_irq_disable();
}

void arch_enable_irq_and_idle(void)
{
	trace('I');
	fake_irq_enabled = true;
	if (fake_on_idle)
		fake_on_idle();
}

void arch_enable_irq_and_halt(void)
{
	unsigned id = arch_this_cpu()->id % CPU_MAX;
	struct timespec limit;

	trace('H');
	fake_irq_enabled = true;
	if (fake_on_halt) {
		fake_on_halt();
		return;
	}
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += FAKE_HALT_LIMIT_S;
	pthread_mutex_lock(&lapic_lock);
	while (!ipi_latched[id]) {
		if (pthread_cond_timedwait(&lapic_cond, &lapic_lock, &limit) == ETIMEDOUT) {
			__atomic_fetch_add(&fake_lost_wakeups, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	ipi_latched[id] = false;
	pthread_mutex_unlock(&lapic_lock);
}

void arch_stop_other_cpus(void)
{
	fake_stops++;
	if (fake_on_stop)
		fake_on_stop();
}

_Noreturn void arch_halt_forever(void)
{
	if (fake_halt_ends_thread)
		pthread_exit(NULL);
	mock_assert(0, "arch_halt_forever", __FILE__, __LINE__);
	abort();
}

unsigned arch_this_cpu_id_safe(void)
{
	return arch_this_cpu()->id;
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
	fake_relaxes++;
	if (fake_on_relax)
		fake_on_relax();
	if (fake_irq_enabled)
		take_latched_ipi();
	sched_yield(); /* more threads than host cores: let the holder run */
}

struct cpu *arch_cpu(unsigned id)
{
	return id < CPU_MAX ? fake_cpus[id] : NULL;
}

bool fake_wake_fails;

bool arch_wake_cpu(const struct cpu *cpu)
{
	if (fake_wake_fails)
		return false;
	__atomic_fetch_add(&fake_wakes[cpu->id], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&lapic_lock);
	ipi_latched[cpu->id % CPU_MAX] = true;
	pthread_cond_broadcast(&lapic_cond);
	pthread_mutex_unlock(&lapic_lock);
	return true;
}
