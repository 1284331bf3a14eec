/*
 * The block device as a read-only syscall driver (see block_driver.h).
 *
 * Why the device reads into the driver's bounce buffer and never into the
 * process's memory. The block HIL lends a buffer to the device from
 * read() until done() gives it back, and nothing can take it back sooner:
 * a request in the virtio queue is the device's, and it writes the buffer
 * whenever it finishes. A process can go away at any moment (kill, a
 * fault, exit, restart), and its region is then reused: the same pages
 * become the next process's image, stack or grants. Had the device been
 * given the process's buffer, it would write sectors into whatever those
 * pages are by then, which is another process's memory or the kernel's
 * grant data; and a process could also give the buffer back (a new
 * allow, or its break moved below it) with the read still out. So the
 * device only ever writes `bounce`, which is the driver's for good, and
 * done() copies it to the process only if, at that moment:
 *   - the read's owner still exists: release() (called before a process's
 *     grants and region are given up, whatever the reason) clears `owner`,
 *     so a read for a process that is gone finds NULL and is dropped (even
 *     when the same struct process is running again after a restart, with
 *     a buffer at the same address: the grant's state is new, the read is
 *     not its); and
 *   - the process still shares the buffer it read into: allow_rw 0 is
 *     looked up again (syscall_buffer_rw() checks it against the
 *     process's memory anew) and must be the same kernel address with room
 *     for the sectors; otherwise nothing is copied and the upcall says
 *     CANCEL.
 * The copy costs one memcpy of at most 4 KiB per read; in exchange no
 * process memory is ever lent to the device.
 *
 * The price of one bounce buffer is one read at a time for all processes
 * together; the device could take five. Reads are small and processes
 * few, and fairness comes for free: the queue is served oldest first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/block_driver.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/string.h"

/* Per process, in its grant: its read, from command 2 to the upcall. */
struct block_state {
	bool pending; /* asked and not answered yet */
	uint64_t lba;
	uint32_t sectors;
	void *buf; /* the allowed buffer's kernel address when it asked */
};

/* Hand the device the read in bd->lba/sectors. False if refused for good
 * (answered already); a full queue is not that: room() retries it. */
static bool submit(struct block_driver *bd)
{
	int r = bd->blk->read(bd->blk->hw, bd->lba, bd->bounce, bd->sectors);

	bd->waiting_room = r == HIL_BLOCK_FULL;
	if (r == 0 || r == HIL_BLOCK_FULL)
		return true;
	/* Refused (the range was checked, so the device went bad): say so. */
	bd->busy = false;
	bd->errors++;
	if (bd->owner) {
		struct block_state *st = syscall_driver_state(&bd->driver, bd->owner);
		if (st)
			st->pending = false;
		syscall_schedule_upcall(&bd->driver, bd->owner, 0, ERR_FAIL, 0, 0);
	}
	return false;
}

/* The device is free: the oldest waiting process's read goes out. */
static void start_next(struct block_driver *bd)
{
	while (!bd->busy && bd->queued) {
		struct process *p = bd->queue[0];
		bd->queued--;
		for (unsigned i = 0; i < bd->queued; i++)
			bd->queue[i] = bd->queue[i + 1];
		bd->queue[bd->queued] = NULL;
		struct block_state *st = syscall_driver_state(&bd->driver, p);
		if (!st || !st->pending)
			continue;
		bd->busy = true;
		bd->owner = p;
		bd->lba = st->lba;
		bd->sectors = st->sectors;
		submit(bd);
	}
}

static void done(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t sectors,
		 int ok)
{
	struct block_driver *bd = ctx;

	if (buf != bd->bounce) {
		/* Not ours: the shell's `blk` commands asked for it. */
		if (bd->next)
			bd->next->done(bd->next->ctx, op, lba, buf, sectors, ok);
		return;
	}
	struct process *p = bd->owner;
	bd->busy = false;
	bd->owner = NULL;
	if (p) {
		struct block_state *st = syscall_driver_state(&bd->driver, p);
		void *ubuf;
		size_t len;
		uint64_t status = 0;
		size_t bytes = sectors * HIL_BLOCK_SECTOR;

		if (!ok) {
			status = ERR_FAIL;
			bd->errors++;
		} else if (!st || !syscall_buffer_rw(&bd->driver, p, 0, &ubuf, &len) ||
			   ubuf != st->buf || len < bytes) {
			status = ERR_CANCEL; /* given back meanwhile: nothing written */
			bd->dropped++;
		} else {
			memcpy(ubuf, bd->bounce, bytes);
			bd->reads++;
			bd->sectors_read += sectors;
		}
		if (st)
			st->pending = false;
		syscall_schedule_upcall(&bd->driver, p, 0, status, status ? 0 : sectors, 0);
	} else {
		/* Its process is gone: the sectors go nowhere. Said once per
		 * dead process at most, so it is no flood. */
		bd->dropped++;
		log_info("block: read of LBA %llu came back for a process that is gone: dropped",
			 (unsigned long long)lba);
	}
	start_next(bd);
}

static void room(void *ctx)
{
	struct block_driver *bd = ctx;

	if (bd->busy && bd->waiting_room) {
		if (!bd->owner) {
			/* Its process went away while it waited: never sent. */
			bd->busy = bd->waiting_room = false;
			bd->dropped++;
			start_next(bd);
		} else if (!submit(bd)) {
			start_next(bd);
		}
	}
	if (bd->next && bd->next->room)
		bd->next->room(bd->next->ctx);
}

static struct syscall_result command(void *ctx, struct process *p, uint32_t cmd, uint64_t a1,
				     uint64_t a2)
{
	struct block_driver *bd = ctx;
	struct block_state *st;
	void *buf;
	size_t len;

	switch (cmd) {
	case 0:
		return syscall_success();
	case 1:
		return syscall_success_u64(bd->capacity);
	case 2:
		if (a2 == 0 || a2 > BLOCK_DRIVER_MAX_SECTORS)
			return syscall_failure(ERR_SIZE);
		if (a1 >= bd->capacity || a2 > bd->capacity - a1)
			return syscall_failure(ERR_INVAL);
		if (!syscall_buffer_rw(&bd->driver, p, 0, &buf, &len))
			return syscall_failure(ERR_RESERVE);
		if (len < a2 * HIL_BLOCK_SECTOR)
			return syscall_failure(ERR_SIZE);
		st = syscall_driver_state(&bd->driver, p);
		if (!st)
			return syscall_failure(ERR_NOMEM);
		if (st->pending)
			return syscall_failure(ERR_BUSY);
		if (bd->queued == BLOCK_DRIVER_WAITERS)
			return syscall_failure(ERR_BUSY); /* more processes than the board has */
		*st = (struct block_state){
			.pending = true, .lba = a1, .sectors = (uint32_t)a2, .buf = buf
		};
		bd->queue[bd->queued++] = p;
		start_next(bd);
		return syscall_success();
	default:
		return syscall_failure(ERR_NOSUPPORT);
	}
}

/* p goes away: its waiting read is forgotten, and a read the device has
 * for it is dropped when it comes back (done() finds no owner). */
static void release(void *ctx, const struct process *p, void *state)
{
	struct block_driver *bd = ctx;
	unsigned kept = 0;

	(void)state;
	for (unsigned i = 0; i < bd->queued; i++)
		if (bd->queue[i] != p)
			bd->queue[kept++] = bd->queue[i];
	for (unsigned i = kept; i < bd->queued; i++)
		bd->queue[i] = NULL;
	bd->queued = kept;
	if (bd->owner == p)
		bd->owner = NULL;
}

static int counters(void *ctx, char *buf, size_t size)
{
	const struct block_driver *bd = ctx;

	return ksnprintf(buf, size, "reads %llu, sectors %llu, errors %llu, reads dropped %llu",
			 (unsigned long long)bd->reads, (unsigned long long)bd->sectors_read,
			 (unsigned long long)bd->errors, (unsigned long long)bd->dropped);
}

void block_driver_init(struct block_driver *bd, const struct hil_block *blk,
		       const struct hil_block_client *next, unsigned grant)
{
	*bd = (struct block_driver){
		.blk = blk,
		.next = next,
		.client = { .ctx = bd, .done = done, .room = room },
		.driver = {
			.number = BLOCK_DRIVER_NUMBER,
			.name = "block",
			.grant = grant,
			.state_size = sizeof(struct block_state),
			.upcalls = 1,
			.allows_rw = 1,
			.command = command,
			.release = release,
			.counters = counters,
			.ctx = bd,
		},
	};
	if (!blk)
		return; /* no disk: driver 0x3 does not exist, every command is NODEVICE */
	bd->capacity = blk->capacity(blk->hw);
	blk->set_client(blk->hw, &bd->client);
	syscall_register(&bd->driver);
}
