/*
 * Host fake of one hardware alarm (kernel/hil/alarm.h) for unit tests.
 *
 * The clock is a plain variable the test sets (fake_alarm.now); arm() and
 * disarm() only record what they were told and count the calls, so a test
 * can check that the hardware always holds the earliest deadline and that
 * nothing arms it while no alarm is set (tickless). Nothing fires by
 * itself: the test plays the loop, calls fake_alarm_knock() when
 * fake_alarm_due() says the interrupt would have knocked, then the mux's
 * service.
 */
#ifndef KNOCK_TEST_FAKE_ALARM_H
#define KNOCK_TEST_FAKE_ALARM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/alarm.h"

struct fake_alarm {
	struct hil_alarm hil; /* hil.hw points back at this fake */
	uint64_t now;         /* what now() returns */
	uint64_t now_step;    /* added to `now` after every now() read */
	uint64_t now_reads;
	bool armed;
	uint64_t deadline; /* valid while armed */
	uint64_t arm_calls;
	uint64_t disarm_calls;
	uint64_t knocks;
};

void fake_alarm_init(struct fake_alarm *f, uint64_t ticks_per_second, uint64_t start);

/* Would the hardware have knocked by now? (armed and deadline <= now,
 * compared wrap-around-safe like the real counter) */
bool fake_alarm_due(const struct fake_alarm *f);

/* The interrupt was delivered: like the LAPIC's one-shot, the alarm is
 * spent (disarmed) until the next arm(). Counts the knock. */
void fake_alarm_knock(struct fake_alarm *f);

#endif
