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
extern bool fake_irq_enabled;
/* One letter per call: 'D' disable, 'E' enable, 'I' enable-and-idle. */
extern char fake_arch_trace[256];
extern uint64_t fake_cycles;

/* Called from arch_enable_irq_and_idle(), as if an interrupt woke the CPU. */
extern void (*fake_on_idle)(void);

/* SMP: arch_cpu(id) returns fake_cpus[id] (fake_cpus[0] is &fake_cpu
 * after fake_arch_reset(); tests add others), and arch_wake_cpu() counts
 * its calls in fake_wakes[id]. */
extern struct cpu *fake_cpus[CPU_MAX];
extern unsigned fake_wakes[CPU_MAX];

/* Make arch_this_cpu() return `c` in the calling thread (NULL: &fake_cpu),
 * for tests that run one "CPU" per thread. */
void fake_arch_set_this_cpu(struct cpu *c);

void fake_arch_reset(void);

#endif
