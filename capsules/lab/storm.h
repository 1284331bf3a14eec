/*
 * storm: a synthetic interrupt storm, to check that the watchdog sees one
 * (kernel/watchdog.h) and that the loop keeps serving everyone else
 * meanwhile (the shell's `storm <ms>`).
 *
 * The storm's interrupt is a software interrupt with its own top half and
 * pending bit (a self-IPI on the pc board). Its client raises it again on
 * every service until `ms` have passed, so the interrupt is back before
 * the loop's next take: the bit is pending at every round, for as long as
 * the storm lasts, the way a device interrupting faster than its capsule
 * drains it looks to the loop. Every other bit still runs once per round.
 *
 * The client hears when it is over (from the storm's service, in the
 * loop): how many interrupts in how long.
 */
#ifndef KNOCK_CAPSULES_STORM_H
#define KNOCK_CAPSULES_STORM_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "kernel/hil/soft_irq.h"

#define STORM_MAX_MS 60000u

struct storm_result {
	uint64_t interrupts; /* services of the storm's bit while it lasted */
	uint64_t us;         /* how long it lasted */
};

struct storm_client {
	void *ctx;
	void (*done)(void *ctx, const struct storm_result *r);
};

struct storm {
	struct alarm_mux *mux; /* the clock */
	const struct hil_soft_irq *irq;
	const struct storm_client *client;
	bool running;
	uint64_t start, end; /* mux ticks */
	uint64_t interrupts;
	uint64_t services; /* every service of the bit, storm or not */
};

void storm_init(struct storm *s, struct alarm_mux *mux, const struct hil_soft_irq *irq);

/* The loop client of the storm interrupt's bit (the board sets it). */
void storm_service(void *ctx);

/* Raise the storm for `ms` (1..STORM_MAX_MS). Returns 0, or -1 for an ms
 * out of range or a storm already under way. */
int storm_start(struct storm *s, uint64_t ms, const struct storm_client *client);
bool storm_running(const struct storm *s);

#endif
