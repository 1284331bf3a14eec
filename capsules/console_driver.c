/*
 * The console as a syscall driver (see console_driver.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/console_driver.h"

/* Per process, in its grant: how many bytes its waiting write asked for. */
struct console_state {
	uint64_t pending; /* 0: no write waits */
};

/* Write what fits of p's allowed buffer (at most `want` bytes). Returns
 * false if nothing fitted and p must wait for room. */
static bool write_some(struct console_driver *cd, struct process *p, uint64_t want)
{
	const void *buf;
	size_t len;

	if (!syscall_buffer_ro(&cd->driver, p, 0, &buf, &len))
		len = 0; /* given back meanwhile: the write ends with 0 bytes */
	if (want < len)
		len = (size_t)want;
	size_t n = len ? console_write(cd->console, buf, len) : 0;
	if (len && !n)
		return false;
	cd->bytes += n;
	syscall_schedule_upcall(&cd->driver, p, 0, n, 0, 0);
	return true;
}

static void wait_for_room(struct console_driver *cd, struct process *p)
{
	for (unsigned i = 0; i < CONSOLE_DRIVER_WAITERS; i++)
		if (!cd->waiting[i] || cd->waiting[i] == p) {
			cd->waiting[i] = p;
			break;
		}
	console_notify_when_room(cd->console, &cd->room); /* the same client waits once */
}

/* The ring has room: the waiting writes again, in the order they came. */
static void room(void *ctx)
{
	struct console_driver *cd = ctx;

	for (unsigned i = 0; i < CONSOLE_DRIVER_WAITERS; i++) {
		struct process *p = cd->waiting[i];
		if (!p)
			continue;
		struct console_state *st = syscall_driver_state(&cd->driver, p);
		if (!st || !st->pending || write_some(cd, p, st->pending)) {
			if (st)
				st->pending = 0;
			cd->waiting[i] = NULL;
		}
	}
	for (unsigned i = 0; i < CONSOLE_DRIVER_WAITERS; i++)
		if (cd->waiting[i]) {
			console_notify_when_room(cd->console, &cd->room);
			break;
		}
}

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	struct console_driver *cd = ctx;
	struct console_state *st;
	const void *buf;
	size_t len;

	(void)a2;
	switch (cmd) {
	case 0:
		return syscall_success();
	case 1:
		if (!syscall_buffer_ro(&cd->driver, p, 0, &buf, &len))
			return syscall_failure(ERR_RESERVE);
		st = syscall_driver_state(&cd->driver, p);
		if (!st)
			return syscall_failure(ERR_NOMEM);
		if (st->pending)
			return syscall_failure(ERR_BUSY);
		if (!write_some(cd, p, a1)) {
			st->pending = a1;
			cd->waits++;
			wait_for_room(cd, p);
		}
		return syscall_success();
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

/* p goes away: it waits for nothing any more. */
static void release(void *ctx, const struct process *p, void *state)
{
	struct console_driver *cd = ctx;

	(void)state;
	for (unsigned i = 0; i < CONSOLE_DRIVER_WAITERS; i++)
		if (cd->waiting[i] == p)
			cd->waiting[i] = NULL;
}

void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant)
{
	*cd = (struct console_driver){
		.console = c,
		.room = { .ctx = cd, .room = room },
		.driver = {
			.number = CONSOLE_DRIVER_NUMBER,
			.name = "console",
			.grant = grant,
			.state_size = sizeof(struct console_state),
			.upcalls = 1,
			.allows_ro = 1,
			.command = command,
			.release = release,
			.ctx = cd,
		},
	};
	syscall_register(&cd->driver);
}
