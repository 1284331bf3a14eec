/*
 * Kernel command-line options of the pc board. The line is GRUB's plus the
 * QEMU fw_cfg file opt/knock/cmdline (see README: KNOCK_CMDLINE).
 *
 *   loglevel=error|warn|info|debug   default info
 *   panic=reboot                     reboot after a panic report (default: halt)
 *   fault=<kind>                     provoke a CPU exception after boot (tests)
 *   bench                            run the in-guest benchmarks (make bench)
 *   stubs=plain|stamped              device top halves: the three-instruction
 *                                    ones (default), or ones that also store
 *                                    the TSC at entry (interrupt latency
 *                                    probes, kernel/probe.h)
 */
#ifndef KNOCK_BOARD_PC_OPTIONS_H
#define KNOCK_BOARD_PC_OPTIONS_H

#include <stdbool.h>

extern bool board_option_bench;
extern bool board_option_stamped_stubs;

void board_options_load(const char *grub_cmdline);

/* fault=<kind>: a deferred call that triggers the fault from the loop, so
 * the report's backtrace shows the loop dispatching it. */
void board_fault_option_init(void);
void board_fault_option_start(void);

#endif
