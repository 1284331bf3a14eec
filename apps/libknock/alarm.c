/*
 * The alarm driver (TRD 104 driver 0x0) from the app's side: microseconds
 * since boot, one alarm per process.
 */
#include "knock.h"

#define ALARM 0x0

static int rang;

static void fired(uint64_t now, uint64_t deadline, uint64_t a2, uint64_t ud)
{
	(void)now;
	(void)deadline;
	(void)a2;
	(void)ud;
	rang = 1;
}

uint64_t knock_alarm_now_us(void)
{
	return knock_command(ALARM, 2, 0, 0).v[0];
}

int knock_alarm_sleep_until_us(uint64_t deadline)
{
	knock_subscribe(ALARM, 0, fired, 0);
	rang = 0;
	if (knock_command(ALARM, 6, deadline, 0).variant < KNOCK_SUCCESS)
		return -1;
	while (!rang)
		knock_yield();
	return 0;
}

int knock_alarm_sleep_us(uint64_t us)
{
	return knock_alarm_sleep_until_us(knock_alarm_now_us() + us);
}
