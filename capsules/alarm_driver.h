/*
 * alarm_driver: per-process virtual alarms on the CPU's alarm mux, as a
 * syscall driver (TRD 104 driver 0x0; docs/processes.md). Time is in
 * microseconds since boot, whatever the hardware counter's rate.
 *
 *   subscribe 0       fired: fn(now_us, deadline_us, 0, userdata)
 *   command 0         exists
 *   command 1         frequency: success u32 1000000 (microseconds)
 *   command 2         now: success u64, microseconds
 *   command 3         stop the alarm (ALREADY if none is set)
 *   command 5, d      set it d microseconds from now: success u64, the deadline
 *   command 6, t      set it for t (microseconds since boot): success u64
 *
 * Each process has one alarm, a struct alarm inside its grant; when the
 * process goes away the driver cancels it before the grant is freed.
 */
#ifndef KNOCK_CAPSULES_ALARM_DRIVER_H
#define KNOCK_CAPSULES_ALARM_DRIVER_H

#include "capsules/alarm_mux.h"
#include "kernel/syscall.h"

#define ALARM_DRIVER_NUMBER 0x0
/* Longest delay a process may ask for: an hour. */
#define ALARM_DRIVER_MAX_US (3600ull * 1000 * 1000)

struct alarm_driver {
	struct syscall_driver driver;
	struct alarm_mux *mux;
	uint64_t fired; /* alarms fired for processes, since boot */
};

void alarm_driver_init(struct alarm_driver *ad, struct alarm_mux *mux, unsigned grant);

#endif
