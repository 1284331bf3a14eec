/*
 * The block device's commands, as a shell command set (capsules/shell.h):
 *   blk                      capacity and features
 *   blk read LBA             one sector, in hex
 *   blk crc LBA COUNT        CRC-32 (zlib's) of COUNT sectors from LBA
 *   blk write LBA PATTERN    one sector filled with PATTERN repeated, then
 *                            a flush when the device has a write cache
 *
 * Every answer comes from the driver's callbacks. `blk crc` keeps up to
 * BLK_COMMANDS_BUFS reads of 4 KiB in flight and adds them to the CRC in
 * order whatever order they finish in; a read refused for a full queue
 * is issued again from the driver's room() callback, so a long CRC is
 * bounded by the queue, not by this command, and never spins.
 *
 * A device that stops answering must not hang the shell: when nothing
 * came back for BLK_COMMANDS_TIMEOUT_MS, the command is abandoned (its
 * answer says so and the prompt returns). Its requests stay with the
 * driver, whose buffers they are, so blk refuses new reads and writes
 * until the last of them is back; then a line above the prompt says blk
 * is free again. Without an alarm mux (NULL) there is no timeout.
 *
 *	static struct blk_commands blk_cmds;
 *	blk_commands_init(&blk_cmds, &virtio_blk.hil, &mux);   (NULL: no disk)
 *	shell_register(&shell, &blk_cmds.set);
 */
#ifndef KNOCK_CAPSULES_BLK_COMMANDS_H
#define KNOCK_CAPSULES_BLK_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "kernel/hil/block.h"

#define BLK_COMMANDS_BUFS 8
#define BLK_COMMANDS_BUF_SECTORS 8        /* 4 KiB */
#define BLK_COMMANDS_MAX_COUNT (1u << 24) /* sectors in one `blk crc`: 8 GiB */
/* Since the device last answered: far above a request's time (QEMU's
 * virtio-blk: microseconds; a disk's seek: milliseconds). */
#define BLK_COMMANDS_TIMEOUT_MS 5000

enum blk_commands_state {
	BLK_IDLE,
	BLK_READ,
	BLK_CRC,
	BLK_WRITE,
	BLK_FLUSH
};

struct blk_commands {
	const struct hil_block *blk;
	struct hil_block_client client;
	enum blk_commands_state state;
	uint64_t lba;                    /* the command's first sector */
	uint64_t count;                  /* sectors it covers */
	uint64_t issued, summed;         /* sectors handed out, and added to the CRC, so far */
	uint64_t seq_issued, seq_summed; /* the same in reads */
	uint32_t crc;
	bool failed;
	bool ready[BLK_COMMANDS_BUFS];
	uint64_t seq[BLK_COMMANDS_BUFS];
	uint32_t write_crc;
	struct alarm_mux *mux;
	struct alarm timeout;
	bool abandoned; /* timed out: its requests are still the driver's */
	/* The driver's while a request is out; 4 KiB each, in RAM the device
	 * reaches (the board's static memory). */
	uint8_t buf[BLK_COMMANDS_BUFS][BLK_COMMANDS_BUF_SECTORS * HIL_BLOCK_SECTOR];
	struct shell_command_set set;
};

void blk_commands_init(struct blk_commands *c, const struct hil_block *blk, struct alarm_mux *mux);

#endif
