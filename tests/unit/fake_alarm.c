/* Host fake of struct hil_alarm: see fake_alarm.h. */
#include "fake_alarm.h"

static uint64_t fake_alarm_now(void *hw)
{
	struct fake_alarm *f = hw;
	uint64_t t = f->now;

	f->now_reads++;
	f->now += f->now_step;
	return t;
}

static void fake_alarm_arm(void *hw, uint64_t deadline)
{
	struct fake_alarm *f = hw;

	f->armed = true;
	f->deadline = deadline;
	f->arm_calls++;
}

static void fake_alarm_disarm(void *hw)
{
	struct fake_alarm *f = hw;

	f->armed = false;
	f->disarm_calls++;
}

void fake_alarm_init(struct fake_alarm *f, uint64_t ticks_per_second, uint64_t start)
{
	*f = (struct fake_alarm){
		.hil = {
			.hw = f,
			.ticks_per_second = ticks_per_second,
			.now = fake_alarm_now,
			.arm = fake_alarm_arm,
			.disarm = fake_alarm_disarm,
		},
		.now = start,
	};
}

bool fake_alarm_due(const struct fake_alarm *f)
{
	return f->armed && (int64_t)(f->now - f->deadline) >= 0;
}

void fake_alarm_knock(struct fake_alarm *f)
{
	f->armed = false;
	f->knocks++;
}
