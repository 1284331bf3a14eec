/*
 * block_driver: the block device, read-only, as a syscall driver (TRD 104
 * driver 0x3), so processes can read sectors (docs/processes.md).
 *
 *   allow_rw 0        where a read's sectors go
 *   subscribe 0       read done: fn(status, sectors, 0, userdata); status
 *                     0, or FAIL (the device failed it), or CANCEL (the
 *                     process no longer shares the buffer it read into)
 *   command 0         exists (NODEVICE for every command without a disk:
 *                     the driver is then not registered at all)
 *   command 1         capacity: success with a u64, in sectors of 512 bytes
 *   command 2, lba, n read n sectors (1 .. BLOCK_DRIVER_MAX_SECTORS) from
 *                     lba into the allowed buffer; SIZE if n is out of that
 *                     range or the buffer is shorter than n sectors, INVAL
 *                     past the end of the disk, RESERVE without a buffer,
 *                     BUSY while the process's previous read is not done
 *
 * There is no write command: processes cannot change the disk (an
 * unknown command is NOSUPPORT, as for every driver).
 *
 * One read per process at a time; the driver reads for one process at a
 * time, into its own bounce buffer, and serves the waiting processes in
 * the order they asked (a process asks again only after its upcall, so no
 * process gets a second read before every waiting one had its first).
 * Why a bounce buffer rather than the process's memory: see block_driver.c.
 *
 * The block HIL has one client. The shell's `blk` commands are the
 * device's client before this driver exists, so the driver takes their
 * place and hands every buffer that is not its own (and every room()) on
 * to them: `next`.
 */
#ifndef KNOCK_CAPSULES_BLOCK_DRIVER_H
#define KNOCK_CAPSULES_BLOCK_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/hil/block.h"
#include "kernel/syscall.h"

#define BLOCK_DRIVER_NUMBER 0x3
#define BLOCK_DRIVER_MAX_SECTORS 8 /* 4 KiB a read */
/* Processes that can wait for the device at once (PROCESSES_MAX is 4). */
#define BLOCK_DRIVER_WAITERS 8

struct block_driver {
	struct syscall_driver driver;
	const struct hil_block *blk;
	struct hil_block_client client;
	const struct hil_block_client *next; /* the client before this one, or NULL */
	uint64_t capacity;
	/* The read the device has (or will have once it has room). `owner` is
	 * the process it is for: NULL once that process went away, and the
	 * sectors then go nowhere. */
	bool busy;
	bool waiting_room; /* refused with HIL_BLOCK_FULL: retried from room() */
	struct process *owner;
	uint64_t lba;
	uint32_t sectors;
	/* Processes whose read waits for the device, oldest first. */
	struct process *queue[BLOCK_DRIVER_WAITERS];
	unsigned queued;
	uint64_t reads, sectors_read, errors,
		dropped; /* dropped: owner gone or buffer given back */
	uint8_t bounce[BLOCK_DRIVER_MAX_SECTORS * HIL_BLOCK_SECTOR];
};

/* `blk`: the device, or NULL (no disk: nothing is registered, and every
 * command of driver 0x3 is NODEVICE). `next`: the device's client so far.
 * `grant`: the grant number the board gives it. */
void block_driver_init(struct block_driver *bd, const struct hil_block *blk,
		       const struct hil_block_client *next, unsigned grant);

#endif
