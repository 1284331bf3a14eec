/*
 * The pc board's stall watchdog and storm detector (kernel/watchdog.h),
 * with its tick on the PIT (chips/x86_64/watchdog_tick.h), and the storm
 * capsule (capsules/storm.h) on a self-IPI, for the shell's `storm`.
 *
 * Options:
 *   watchdog=<ms>|panic|warn|off   words joined by ':' ("500:panic");
 *                                  default 1000 ms, warn
 *   storm=<per_s>|off              services per second of one interrupt
 *                                  source that make a storm (default 20000)
 */
#ifndef KNOCK_BOARD_PC_WIRE_WATCHDOG_H
#define KNOCK_BOARD_PC_WIRE_WATCHDOG_H

#include "capsules/storm.h"

/* Read the options, declare the watchdog's deferred call, give the storm
 * bit its client. After the timer is wired, before loop_verify(). */
void board_wire_watchdog(void);

/* Route ISA IRQ 0 and start the tick: the last thing before loop_run(),
 * so that it only ever watches the loop. */
void board_watchdog_start(void);

struct storm *board_storm(void);

#endif
