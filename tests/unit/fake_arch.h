/*
 * Host fake of the arch interface (kernel/arch.h) for unit tests.
 *
 * It records every interrupt enable/disable/idle in fake_arch_trace so that
 * tests can check the order of the sleep protocol, lets a test run code
 * "in an interrupt" when the loop idles, and turns arch_halt_forever() and
 * arch_reboot() into cmocka's mock_assert(), so expect_assert_failure()
 * catches a panic.
 */
#ifndef KNOCK_TEST_FAKE_ARCH_H
#define KNOCK_TEST_FAKE_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cpu.h"

extern struct cpu fake_cpu;
/* The interrupt flag and the trace are per thread: threaded tests
 * (tests/tsan) run one "CPU" per thread. */
extern __thread bool fake_irq_enabled;
/* One letter per call: 'D' disable, 'E' enable, 'I' enable-and-idle,
 * 'H' enable-and-halt (a lock's park). */
extern __thread char fake_arch_trace[256];
/* arch_cpu_relax() calls in this thread. */
extern __thread unsigned fake_relaxes;
extern uint64_t fake_cycles;

/* Called from arch_enable_irq_and_idle(), as if an interrupt woke the CPU. */
extern void (*fake_on_idle)(void);
/* Called from arch_cpu_relax() and arch_enable_irq_and_halt() if set: a
 * one-thread test plays the other CPUs there (the hook returning is the
 * interrupt that ends the halt). */
extern void (*fake_on_relax)(void);
extern void (*fake_on_halt)(void);
/* Called from arch_irq_disable() if set, after interrupts went off. */
extern void (*fake_on_irq_disable)(void);

/*
 * Without fake_on_halt, arch_enable_irq_and_halt() blocks the calling
 * thread until arch_wake_cpu() for its CPU, like a halted CPU waiting for
 * its wake-up IPI. An IPI sent while the target has interrupts off is
 * held (latched) and ends its next halt at once; one sent while it has
 * them on is taken at its next arch_irq_enable() or arch_cpu_relax() and
 * wakes nothing later, as on hardware. A halt that no IPI ends within
 * FAKE_HALT_LIMIT_S is a lost wake-up: counted here, and the thread goes
 * on so the test fails instead of hanging.
 */
#define FAKE_HALT_LIMIT_S 10
extern unsigned fake_lost_wakeups; /* atomic */
/* arch_stop_other_cpus() calls, and a hook that plays the other CPUs. */
extern unsigned fake_stops;
extern void (*fake_on_stop)(void);
/* Set in a thread that plays a CPU: arch_halt_forever() ends the thread
 * (instead of failing a cmocka assertion). */
extern __thread bool fake_halt_ends_thread;

/* SMP: arch_cpu(id) returns fake_cpus[id] (fake_cpus[0] is &fake_cpu
 * after fake_arch_reset(); tests add others), and arch_wake_cpu() counts
 * its calls in fake_wakes[id]. */
extern struct cpu *fake_cpus[CPU_MAX];
extern unsigned fake_wakes[CPU_MAX]; /* atomic */
/* arch_wake_cpu() fails (the ICR never went idle) while this is set. */
extern bool fake_wake_fails;

/* Make arch_this_cpu() return `c` in the calling thread (NULL: &fake_cpu),
 * for tests that run one "CPU" per thread. */
void fake_arch_set_this_cpu(struct cpu *c);

void fake_arch_reset(void);

#endif
