/*
 * The pc board's stall watchdog and storm detector (kernel/watchdog.h),
 * with its tick on the PIT (chips/x86_64/watchdog_tick.h). (The storm
 * generator that shows the detector at work is in the lab image:
 * capsules/lab/storm.h.)
 *
 * Options:
 *   watchdog=<ms>|panic|warn|off   words joined by ':' ("500:panic");
 *                                  default 1000 ms, warn
 *   storm=<per_s>|off              services per second of one interrupt
 *                                  source that make a storm (default 20000)
 */
#ifndef KNOCK_BOARD_PC_WIRE_WATCHDOG_H
#define KNOCK_BOARD_PC_WIRE_WATCHDOG_H

/* Read the options, declare the watchdog's deferred call. After the timer
 * is wired, before loop_verify(). */
void board_wire_watchdog(void);

/* Route ISA IRQ 0 and start the tick: the last thing before loop_run(),
 * so that it only ever watches the loop. */
void board_watchdog_start(void);

#endif
