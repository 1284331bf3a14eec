/*
 * Random bytes for processes (see rng_driver.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/rng_driver.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

static void ready(void *ctx, uint8_t *buf, size_t len)
{
	struct rng_driver *rd = ctx;
	struct process *p = rd->waiting;
	void *dst;
	size_t cap;

	rd->waiting = NULL;
	if (!p) {
		rd->dropped++; /* its process went away, or its wait timed out */
		return;
	}
	alarm_cancel(rd->mux, &rd->timeout);
	/* The buffer as it is now: the process may have given it up. */
	if (!syscall_buffer_rw(&rd->driver, p, 0, &dst, &cap))
		cap = 0;
	size_t n = len < cap ? len : cap;
	if (n)
		memcpy(dst, buf, n);
	rd->bytes += n;
	syscall_schedule_upcall(&rd->driver, p, 0, n, 0, 0);
}

/* The source kept a process waiting too long: the process hears BUSY, and
 * the request stays the source's until it answers (ready() drops it). */
static void timed_out(void *ctx, struct alarm *a)
{
	struct rng_driver *rd = ctx;
	struct process *p = rd->waiting;

	(void)a;
	rd->waiting = NULL;
	rd->timeouts++;
	if (p)
		syscall_schedule_upcall(&rd->driver, p, 0, 0, ERR_BUSY, 0);
}

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	struct rng_driver *rd = ctx;
	void *dst;
	size_t cap;

	(void)a2;
	if (cmd != 1)
		return syscall_failure(ERR_NOSUPPORT);
	if (!rd->rng)
		return syscall_failure(ERR_NODEVICE);
	if (!syscall_buffer_rw(&rd->driver, p, 0, &dst, &cap) || a1 == 0 || a1 > cap ||
	    a1 > RNG_DRIVER_MAX)
		return syscall_failure(ERR_SIZE);
	if (rd->waiting || rd->rng->get(rd->rng->hw, rd->buf, (size_t)a1) != 0)
		return syscall_failure(ERR_BUSY);
	/* The client of the request under way (the shell's `rng` sets itself
	 * the same way): ready() never runs from inside get(). */
	rd->rng->set_client(rd->rng->hw, &rd->client);
	rd->waiting = p;
	rd->want = (size_t)a1;
	rd->requests++;
	alarm_set_oneshot(rd->mux, &rd->timeout,
			  alarm_mux_ms_to_ticks(rd->mux, RNG_DRIVER_TIMEOUT_MS));
	return syscall_success();
}

static void release(void *ctx, const struct process *p, void *state)
{
	struct rng_driver *rd = ctx;

	(void)state;
	if (rd->waiting == p) {
		rd->waiting = NULL;
		alarm_cancel(rd->mux, &rd->timeout);
	}
}

static int counters(void *ctx, char *buf, size_t size)
{
	const struct rng_driver *rd = ctx;

	return ksnprintf(buf, size,
			 "requests %llu, bytes %llu, timeouts %llu, answers dropped %llu",
			 (unsigned long long)rd->requests, (unsigned long long)rd->bytes,
			 (unsigned long long)rd->timeouts, (unsigned long long)rd->dropped);
}

void rng_driver_init(struct rng_driver *rd, const struct hil_rng *rng, unsigned grant,
		     struct alarm_mux *mux)
{
	memset(rd, 0, sizeof(*rd));
	rd->rng = rng;
	rd->mux = mux;
	alarm_init(&rd->timeout, "rng driver timeout", timed_out, rd);
	rd->client = (struct hil_rng_client){ .ready = ready, .ctx = rd };
	rd->driver = (struct syscall_driver){
		.number = RNG_DRIVER_NUMBER,
		.name = "rng",
		.grant = grant,
		.upcalls = 1,
		.allows_rw = 1,
		.command = command,
		.release = release,
		.counters = counters,
		.ctx = rd,
	};
	syscall_register(&rd->driver);
}
