/* The `blk` commands (blk_commands.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsules/blk_commands.h"
#include "capsules/crc32.h"
#include "capsules/shell_parse.h"
#include "kernel/string.h"

#define BUF_BYTES ((size_t)BLK_COMMANDS_BUF_SECTORS * HIL_BLOCK_SECTOR)
#define BYTES_PER_LINE 32
#define USAGE \
	"blk: usage: blk | blk read <lba> | blk crc <lba> <count> | blk write <lba> <pattern>\n"

/* The command is over: every request it made is back. */
static void finish(struct blk_commands *c)
{
	c->state = BLK_IDLE;
	if (c->mux)
		alarm_cancel(c->mux, &c->timeout);
	if (c->abandoned) {
		/* Its answer was given at the timeout; say that blk works again. */
		static const char msg[] = "blk: the device answered the abandoned command at "
					  "last; blk is free again\n";
		c->abandoned = false;
		shell_notify(c->set.shell, msg, sizeof(msg) - 1);
		return;
	}
	shell_answer_done(c->set.shell);
}

/* The device answered (or the command began): the timeout counts from now. */
static void progress(struct blk_commands *c)
{
	if (c->mux && !c->abandoned)
		alarm_set_oneshot(c->mux, &c->timeout,
				  alarm_mux_ms_to_ticks(c->mux, BLK_COMMANDS_TIMEOUT_MS));
}

static void timed_out(void *ctx, struct alarm *a)
{
	struct blk_commands *c = ctx;

	(void)a;
	if (c->state == BLK_IDLE || c->abandoned)
		return;
	c->abandoned = true;
	c->failed = true; /* a CRC issues no more reads */
	shell_fail(c->set.shell,
		   "blk: no answer from the device in %u ms; the command is abandoned, and blk "
		   "is busy until the device gives its requests back\n",
		   BLK_COMMANDS_TIMEOUT_MS);
	shell_answer_done(c->set.shell);
}

/* Hand out reads until BLK_COMMANDS_BUFS are out, the range is covered,
 * or the driver's queue is full (then its room() brings us back). */
static void crc_issue(struct blk_commands *c)
{
	while (!c->failed && c->issued < c->count &&
	       c->seq_issued - c->seq_summed < BLK_COMMANDS_BUFS) {
		unsigned k = (unsigned)(c->seq_issued % BLK_COMMANDS_BUFS);
		uint64_t left = c->count - c->issued;
		size_t n = left < BLK_COMMANDS_BUF_SECTORS ? (size_t)left :
							     BLK_COMMANDS_BUF_SECTORS;
		int rc = c->blk->read(c->blk->hw, c->lba + c->issued, c->buf[k], n);
		if (rc == HIL_BLOCK_FULL)
			return;
		if (rc != 0) {
			c->failed = true;
			break;
		}
		c->seq[k] = c->seq_issued++;
		c->ready[k] = false;
		c->issued += n;
	}
}

static void crc_done(struct blk_commands *c, const uint8_t *buf, int ok)
{
	unsigned k = (unsigned)((size_t)(buf - c->buf[0]) / BUF_BYTES);
	if (!ok) {
		uint64_t offset = c->seq[k] * BLK_COMMANDS_BUF_SECTORS;
		uint64_t n = c->count - offset < BLK_COMMANDS_BUF_SECTORS ?
				     c->count - offset :
				     BLK_COMMANDS_BUF_SECTORS;
		unsigned long long first = c->lba + offset, last = first + n - 1;
		if (!c->failed)
			shell_say(c->set.shell,
				  "blk: the device failed the read of LBA %llu-%llu\n", first,
				  last);
		c->failed = true;
	}
	c->ready[k] = true;
	/* Add the finished reads to the CRC in order. */
	for (;;) {
		unsigned j = (unsigned)(c->seq_summed % BLK_COMMANDS_BUFS);
		if (c->seq_summed == c->seq_issued || !c->ready[j])
			break;
		uint64_t left = c->count - c->summed;
		size_t n = left < BLK_COMMANDS_BUF_SECTORS ? (size_t)left :
							     BLK_COMMANDS_BUF_SECTORS;
		if (!c->failed)
			c->crc = crc32_update(c->crc, c->buf[j], n * HIL_BLOCK_SECTOR);
		c->ready[j] = false;
		c->summed += n;
		c->seq_summed++;
	}
	crc_issue(c);
	if (c->seq_summed != c->seq_issued)
		return; /* reads still out: their buffers are the driver's */
	if (c->failed) {
		finish(c);
		return;
	}
	if (c->summed < c->count)
		return; /* nothing out and more to read: the queue was full, room() follows */
	shell_say(c->set.shell, "crc32 0x%08x over %llu sectors from LBA %llu\n", c->crc,
		  (unsigned long long)c->count, (unsigned long long)c->lba);
	finish(c);
}

static void print_sector(struct blk_commands *c)
{
	shell_say(c->set.shell, "LBA %llu:\n", (unsigned long long)c->lba);
	for (unsigned i = 0; i < HIL_BLOCK_SECTOR; i++)
		shell_say(c->set.shell, "%s%02x%s", i % BYTES_PER_LINE ? "" : "  ", c->buf[0][i],
			  (i + 1) % BYTES_PER_LINE ? "" : "\n");
}

static void done(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t sectors,
		 int ok)
{
	struct blk_commands *c = ctx;
	(void)op;
	(void)lba;
	(void)sectors;
	if (c->abandoned) {
		/* Nothing more is said of it: only its requests are counted
		 * back (a CRC's through crc_done(), silent once failed). */
		if (c->state == BLK_CRC)
			crc_done(c, buf, ok);
		else
			finish(c);
		return;
	}
	progress(c);
	switch (c->state) {
	case BLK_READ:
		if (ok)
			print_sector(c);
		else
			shell_say(c->set.shell, "blk: the device failed the read of LBA %llu\n",
				  (unsigned long long)c->lba);
		finish(c);
		return;
	case BLK_CRC:
		crc_done(c, buf, ok);
		return;
	case BLK_WRITE:
		if (!ok) {
			shell_say(c->set.shell, "blk: the device failed the write of LBA %llu\n",
				  (unsigned long long)c->lba);
			finish(c);
			return;
		}
		shell_say(c->set.shell, "wrote LBA %llu (crc32 0x%08x)", (unsigned long long)c->lba,
			  c->write_crc);
		if (c->blk->flush(c->blk->hw) == 0) {
			c->state = BLK_FLUSH;
			return;
		}
		shell_say(c->set.shell, "; no write cache to flush\n");
		finish(c);
		return;
	case BLK_FLUSH:
		shell_say(c->set.shell, ok ? ", flushed\n" : "; the device failed the flush\n");
		finish(c);
		return;
	case BLK_IDLE:
		return;
	}
}

static void room(void *ctx)
{
	struct blk_commands *c = ctx;
	if (c->state != BLK_CRC)
		return;
	crc_issue(c);
	if (c->failed && c->seq_summed == c->seq_issued)
		finish(c);
}

/* Parses an LBA below the capacity. */
static bool parse_lba(struct shell *sh, const struct blk_commands *c, const char *s, uint64_t *lba)
{
	uint64_t cap = c->blk->capacity(c->blk->hw);
	if (!shell_parse_u64(s, UINT64_MAX, lba) || *lba >= cap) {
		shell_fail(sh, "blk: LBA '%s' is not a sector of this disk (0 to %llu)\n", s,
			   (unsigned long long)(cap - 1));
		return false;
	}
	return true;
}

static void start(struct shell *sh, struct blk_commands *c, int rc)
{
	if (rc == 0) {
		progress(c);
		shell_answer_later(sh);
		return;
	}
	c->state = BLK_IDLE;
	/* Nothing else shares the queue on this board, so it is never full
	 * here; the message covers a HIL whose queue someone else filled. */
	shell_fail(sh, rc == HIL_BLOCK_FULL ? "blk: the queue is full, try again\n" :
					      "blk: the device refused the request\n");
}

static void cmd_blk(struct shell *sh, void *ctx, int argc, char **argv)
{
	struct blk_commands *c = ctx;
	uint64_t lba;

	if (!c->blk) {
		shell_fail(sh, "no block device on this machine (QEMU: -drive "
			       "file=IMG,format=raw,if=virtio)\n");
		return;
	}
	if (argc == 1) {
		char line[400];
		uint64_t cap = c->blk->capacity(c->blk->hw);
		c->blk->describe(c->blk->hw, line, sizeof(line));
		shell_say(sh, "virtio-blk: %llu sectors of %u bytes (%llu KiB)%s\n%s\n",
			  (unsigned long long)cap, HIL_BLOCK_SECTOR, (unsigned long long)(cap / 2),
			  c->blk->read_only(c->blk->hw) ? ", read-only" : "", line);
		return;
	}
	if (c->state != BLK_IDLE) {
		/* Only after a timeout: the shell runs one line at a time. */
		shell_fail(sh, "blk: the device still holds the abandoned command's requests\n");
		return;
	}
	if (argc == 3 && strcmp(argv[1], "read") == 0) {
		if (!parse_lba(sh, c, argv[2], &lba))
			return;
		c->state = BLK_READ;
		c->lba = lba;
		start(sh, c, c->blk->read(c->blk->hw, lba, c->buf[0], 1));
		return;
	}
	if (argc == 4 && strcmp(argv[1], "crc") == 0) {
		uint64_t count, cap = c->blk->capacity(c->blk->hw);
		if (!parse_lba(sh, c, argv[2], &lba))
			return;
		if (!shell_parse_u64(argv[3], BLK_COMMANDS_MAX_COUNT, &count) || count == 0 ||
		    count > cap - lba) {
			shell_fail(sh, "blk: COUNT must be 1 to %llu sectors from LBA %llu\n",
				   (unsigned long long)(cap - lba < BLK_COMMANDS_MAX_COUNT ?
								cap - lba :
								BLK_COMMANDS_MAX_COUNT),
				   (unsigned long long)lba);
			return;
		}
		c->state = BLK_CRC;
		c->lba = lba;
		c->count = count;
		c->issued = c->summed = c->seq_issued = c->seq_summed = 0;
		c->crc = 0;
		c->failed = false;
		crc_issue(c);
		if (c->seq_issued == 0) {
			start(sh, c, c->failed ? HIL_BLOCK_REFUSED : HIL_BLOCK_FULL);
			return;
		}
		progress(c);
		shell_answer_later(sh); /* a refusal after the first read ends it from done() */
		return;
	}
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		size_t plen = strlen(argv[3]);
		if (!parse_lba(sh, c, argv[2], &lba))
			return;
		if (c->blk->read_only(c->blk->hw)) {
			shell_fail(sh, "blk: the disk is read-only\n");
			return;
		}
		for (unsigned i = 0; i < HIL_BLOCK_SECTOR; i++)
			c->buf[0][i] = (uint8_t)argv[3][i % plen];
		c->write_crc = crc32_update(0, c->buf[0], HIL_BLOCK_SECTOR);
		c->state = BLK_WRITE;
		c->lba = lba;
		start(sh, c, c->blk->write(c->blk->hw, lba, c->buf[0], 1));
		return;
	}
	shell_fail(sh, USAGE);
}

static const struct shell_command commands[] = {
	{ "blk", "[read <lba> | crc <lba> <count> | write <lba> <pattern>]",
	  "the block device: capacity and features, a sector in hex, a CRC-32, a write", cmd_blk },
};

void blk_commands_init(struct blk_commands *c, const struct hil_block *blk, struct alarm_mux *mux)
{
	memset(c, 0, sizeof(*c));
	c->blk = blk;
	c->mux = mux;
	alarm_init(&c->timeout, "blk timeout", timed_out, c);
	c->client = (struct hil_block_client){ .ctx = c, .done = done, .room = room };
	if (blk)
		blk->set_client(blk->hw, &c->client);
	c->set = (struct shell_command_set){
		.name = "blk",
		.cmds = commands,
		.count = sizeof(commands) / sizeof(commands[0]),
		.ctx = c,
	};
}
