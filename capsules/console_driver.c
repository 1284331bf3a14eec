/*
 * The console as a syscall driver (see console_driver.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/console_driver.h"
#include "kernel/fmt.h"
#include "kernel/string.h"

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
	size_t n = len ? console_write_above(cd->console, buf, len) : 0;
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
	void *wbuf;
	size_t len;

	(void)a2;
	switch (cmd) {
	case 0:
		return syscall_success();
	case 2:
		if (!syscall_buffer_rw(&cd->driver, p, 0, &wbuf, &len))
			return syscall_failure(ERR_RESERVE);
		if (cd->reader && cd->reader != p)
			return syscall_failure(ERR_BUSY);
		cd->reader = p;
		cd->reader_max = a1;
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
	/* A line being read for it still comes, and goes nowhere. */
	if (cd->reader == p)
		cd->reader = NULL;
}

/* The console's line is in: copy it into the reader's buffer, if there
 * is still a reader and a buffer, and tell it. */
static void line_in(void *ctx, char *line, size_t len)
{
	struct console_driver *cd = ctx;
	struct process *p = cd->reader;
	void *buf;
	size_t cap;

	cd->reader = NULL;
	if (p && syscall_buffer_rw(&cd->driver, p, 0, &buf, &cap)) {
		if (cap > cd->reader_max)
			cap = (size_t)cd->reader_max;
		if (len > cap)
			len = cap;
		memcpy(buf, line, len);
		syscall_schedule_upcall(&cd->driver, p, 1, len, 0, 0);
	} else if (p) {
		syscall_schedule_upcall(&cd->driver, p, 1, 0, 0, 0);
	}
	if (cd->read_done)
		cd->read_done(cd->read_done_ctx);
}

struct process *console_driver_reader(const struct console_driver *cd)
{
	return cd->reader;
}

static void start_read(void *ctx)
{
	struct console_driver *cd = ctx;

	if (!cd->reader || console_read_line(cd->console, cd->prompt, cd->line, sizeof(cd->line),
					     &cd->line_client) != 0) {
		/* Gone meanwhile, or the console reads for someone else: done. */
		if (cd->read_done)
			cd->read_done(cd->read_done_ctx);
	}
}

int console_driver_read(struct console_driver *cd, void (*done)(void *ctx), void *ctx)
{
	if (!cd->reader)
		return -1;
	ksnprintf(cd->prompt, sizeof(cd->prompt), "%s< ", cd->reader->name);
	cd->read_done = done;
	cd->read_done_ctx = ctx;
	deferred_call_set(&cd->dc);
	return 0;
}

static int counters(void *ctx, char *buf, size_t size)
{
	const struct console_driver *cd = ctx;

	return ksnprintf(buf, size, "bytes written %llu, writes that waited for room %llu",
			 (unsigned long long)cd->bytes, (unsigned long long)cd->waits);
}

void console_driver_init(struct console_driver *cd, struct console *c, unsigned grant)
{
	*cd = (struct console_driver){
		.console = c,
		.room = { .ctx = cd, .room = room },
		.line_client = { .ctx = cd, .line = line_in },
		.driver = {
			.number = CONSOLE_DRIVER_NUMBER,
			.name = "console",
			.grant = grant,
			.state_size = sizeof(struct console_state),
			.upcalls = 2,
			.allows_rw = 1,
			.allows_ro = 1,
			.command = command,
			.release = release,
			.counters = counters,
			.ctx = cd,
		},
	};
	syscall_register(&cd->driver);
	deferred_call_init(&cd->dc, "console_driver");
	deferred_call_register(&cd->dc, "console_driver", start_read, cd);
}
