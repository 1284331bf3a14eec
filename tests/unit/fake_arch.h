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

void fake_arch_reset(void);

#endif
