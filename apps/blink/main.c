/*
 * blink: the periodic example. Every half second, on its virtual alarm
 * (the alarm driver), it prints a line with its count and how late the
 * alarm came; in between it waits in yield, costing nothing.
 */
#include "libknock/knock.h"

#define PERIOD_US 500000

int main(void)
{
	uint64_t deadline = knock_alarm_now_us();

	for (unsigned n = 1;; n++) {
		deadline += PERIOD_US;
		knock_alarm_sleep_until_us(deadline);
		knock_printf("blink %u (%lu us late)\n", n,
			     (unsigned long)(knock_alarm_now_us() - deadline));
	}
}
