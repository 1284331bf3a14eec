/*
 * Per-process virtual alarms (see alarm_driver.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "capsules/alarm_driver.h"
#include "kernel/fmt.h"

/* What the driver keeps in each process's grant. */
struct process_alarm {
	struct alarm alarm; /* in the mux's tree while armed */
	struct alarm_driver *ad;
	struct process *p;
	uint64_t deadline_us;
};

static uint64_t now_us(const struct alarm_driver *ad)
{
	return alarm_mux_ticks_to_us(ad->mux, alarm_mux_now(ad->mux));
}

static void fired(void *ctx, struct alarm *a)
{
	struct process_alarm *pa = ctx;

	(void)a;
	pa->ad->fired++;
	/* "now" is when the mux found it due, in this round. */
	syscall_schedule_upcall(&pa->ad->driver, pa->p, 0,
				alarm_mux_ticks_to_us(pa->ad->mux,
						      alarm_mux_round_now(pa->ad->mux)),
				pa->deadline_us, 0);
}

static struct syscall_result set_at(struct alarm_driver *ad, struct process_alarm *pa,
				    uint64_t deadline_us)
{
	uint64_t now = now_us(ad);
	uint64_t delay = deadline_us > now ? deadline_us - now : 0;

	if (delay > ALARM_DRIVER_MAX_US)
		return syscall_failure(ERR_INVAL);
	alarm_cancel(ad->mux, &pa->alarm);
	pa->deadline_us = deadline_us;
	alarm_set_oneshot(ad->mux, &pa->alarm, alarm_mux_us_to_ticks(ad->mux, delay));
	return syscall_success_u64(deadline_us);
}

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	struct alarm_driver *ad = ctx;
	struct process_alarm *pa;

	(void)a2;
	switch (cmd) {
	case 0:
		return syscall_success();
	case 1:
		return syscall_success_u32(1000000);
	case 2:
		return syscall_success_u64(now_us(ad));
	default:
		break;
	}
	pa = syscall_driver_state(&ad->driver, p);
	if (!pa)
		return syscall_failure(ERR_NOMEM);
	if (!pa->ad) { /* first use: the grant is zeroed */
		pa->ad = ad;
		pa->p = p;
		alarm_init(&pa->alarm, "process alarm", fired, pa);
	}
	switch (cmd) {
	case 3:
		if (!alarm_is_armed(ad->mux, &pa->alarm))
			return syscall_failure(ERR_ALREADY);
		alarm_cancel(ad->mux, &pa->alarm);
		return syscall_success();
	case 5:
		if (a1 > ALARM_DRIVER_MAX_US)
			return syscall_failure(ERR_INVAL);
		return set_at(ad, pa, now_us(ad) + a1);
	case 6:
		return set_at(ad, pa, a1);
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

static void release(void *ctx, const struct process *p, void *state)
{
	struct alarm_driver *ad = ctx;
	struct process_alarm *pa = state;

	(void)p;
	if (pa->ad)
		alarm_cancel(ad->mux, &pa->alarm);
}

static int counters(void *ctx, char *buf, size_t size)
{
	const struct alarm_driver *ad = ctx;

	return ksnprintf(buf, size, "alarms fired %llu", (unsigned long long)ad->fired);
}

void alarm_driver_init(struct alarm_driver *ad, struct alarm_mux *mux, unsigned grant)
{
	ad->mux = mux;
	ad->fired = 0;
	ad->driver = (struct syscall_driver){
		.number = ALARM_DRIVER_NUMBER,
		.name = "alarm",
		.grant = grant,
		.state_size = sizeof(struct process_alarm),
		.upcalls = 1,
		.command = command,
		.release = release,
		.counters = counters,
		.ctx = ad,
	};
	syscall_register(&ad->driver);
}
