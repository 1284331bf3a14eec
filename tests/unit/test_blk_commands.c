/*
 * capsules/blk_commands.c against a fake block HIL whose queue holds
 * three requests and which answers only when the test says, in any
 * order: `blk crc` adds the pieces to the CRC in disk order whatever
 * order they finish in, keeps at most its buffers out, is refused by a
 * full queue and goes on from room() (never by trying again in a loop),
 * and reports a failed read once, after every buffer is back; `blk read`
 * and `blk write` answer from done(), the write followed by a flush; bad
 * arguments are refused with the usage; a device that stops answering
 * times the command out (from its last answer, so a slow CRC that keeps
 * answering does not), and blk is refused until its requests are back. The expected CRCs are zlib's
 * check values, computed here by a bitwise CRC-32 (not capsules/crc32.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capsules/blk_commands.h"
#include "kernel/loop.h"
#include "fake_alarm.h"
#include "fake_arch.h"

#define DISK_SECTORS 100
#define QUEUE 3

static uint8_t disk[DISK_SECTORS][HIL_BLOCK_SECTOR];

static struct {
	const struct hil_block_client *client;
	struct req {
		enum hil_block_op op;
		uint64_t lba;
		uint8_t *buf;
		size_t sectors;
	} out[QUEUE];
	unsigned n_out, max_out, calls, fulls, flushes;
	bool refused_full; /* a FULL is owed its room() */
	bool fail_lba_16;
} blk;

static uint64_t capacity(void *hw)
{
	(void)hw;
	return DISK_SECTORS;
}
static int read_only(void *hw)
{
	(void)hw;
	return 0;
}
static int submit(enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t sectors)
{
	blk.calls++;
	if (blk.n_out == QUEUE) {
		blk.fulls++;
		blk.refused_full = true;
		return HIL_BLOCK_FULL;
	}
	blk.out[blk.n_out++] = (struct req){ op, lba, buf, sectors };
	if (blk.n_out > blk.max_out)
		blk.max_out = blk.n_out;
	return 0;
}
static int rd(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	(void)hw;
	return submit(HIL_BLOCK_READ, lba, buf, sectors);
}
static int wr(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	(void)hw;
	return submit(HIL_BLOCK_WRITE, lba, buf, sectors);
}
static int flush(void *hw)
{
	(void)hw;
	blk.flushes++;
	return submit(HIL_BLOCK_FLUSH, 0, NULL, 0);
}
static void set_client(void *hw, const struct hil_block_client *c)
{
	(void)hw;
	blk.client = c;
}
static int describe(void *hw, char *buf, size_t size)
{
	(void)hw;
	return snprintf(buf, size, "features: none");
}

static const struct hil_block hil = { .capacity = capacity,
				      .read_only = read_only,
				      .read = rd,
				      .write = wr,
				      .flush = flush,
				      .set_client = set_client,
				      .describe = describe };

/* The device finishes request `i` of those out (the driver's service). */
static void finish(unsigned i)
{
	assert_true(i < blk.n_out);
	struct req r = blk.out[i];
	memmove(&blk.out[i], &blk.out[i + 1], (blk.n_out - i - 1) * sizeof(r));
	blk.n_out--;
	int ok = !(blk.fail_lba_16 && r.op == HIL_BLOCK_READ && r.lba == 16);
	if (r.op == HIL_BLOCK_READ && ok)
		memcpy(r.buf, disk[r.lba], r.sectors * HIL_BLOCK_SECTOR);
	if (r.op == HIL_BLOCK_WRITE)
		memcpy(disk[r.lba], r.buf, r.sectors * HIL_BLOCK_SECTOR);
	blk.client->done(blk.client->ctx, r.op, r.lba, r.buf, r.sectors, ok);
	if (blk.refused_full) {
		blk.refused_full = false;
		blk.client->room(blk.client->ctx);
	}
}

static struct shell sh;
static struct blk_commands cmds;
static struct fake_alarm fa; /* 1 tick a microsecond */
static struct alarm_mux mux;
static char answer[SHELL_OUT_MAX + 1];
static unsigned answers;

static void answered(void *ctx, struct shell *s)
{
	(void)ctx;
	memcpy(answer, s->out, s->out_len);
	answer[s->out_len] = 0;
	s->out_len = 0;
	answers++;
}

static void run(const char *line)
{
	answers = 0;
	answer[0] = 0;
	strcpy(sh.line, line);
	shell_run_line(&sh);
}

/* CRC-32 as zlib, bit by bit. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	loop_reset_for_test();
	memset(&blk, 0, sizeof(blk));
	for (unsigned s = 0; s < DISK_SECTORS; s++)
		for (unsigned i = 0; i < HIL_BLOCK_SECTOR; i++)
			disk[s][i] = (uint8_t)(s * 31 + i * 7 + (i >> 8));
	shell_init_console_less(&sh, answered, NULL);
	fake_alarm_init(&fa, 1000000, 1000);
	alarm_mux_init(&mux, &fa.hil);
	blk_commands_init(&cmds, &hil, &mux);
	shell_register(&sh, &cmds.set);
	return 0;
}

static void test_check_value(void **state)
{
	(void)state;
	/* zlib.crc32(b"123456789") == 0xcbf43926: the bitwise one is right. */
	assert_int_equal(crc_bitwise((const uint8_t *)"123456789", 9), 0xcbf43926u);
}

static void test_crc_in_order_whatever_the_completion_order(void **state)
{
	(void)state;
	char want[80];
	/* 11..98: 88 sectors, 11 reads of 8 (the last from LBA 91, 8 sectors). */
	run("blk crc 11 88");
	assert_int_equal(answers, 0);
	assert_int_equal(blk.n_out, QUEUE);
	assert_int_equal(blk.fulls, 1); /* the fourth was refused, and not tried again */
	unsigned calls = blk.calls;
	unsigned turn = 0;
	while (blk.n_out) {
		finish(turn++ % 2 ? 0 : blk.n_out - 1); /* newest, oldest, newest, ... */
		assert_true(blk.calls - calls < 40);
	}
	assert_int_equal(answers, 1);
	snprintf(want, sizeof(want), "crc32 0x%08x over 88 sectors from LBA 11\n",
		 crc_bitwise(disk[11], 88 * HIL_BLOCK_SECTOR));
	assert_string_equal(answer, want);
	assert_int_equal(blk.max_out, QUEUE);
}

static void test_crc_of_a_piece_shorter_than_a_buffer(void **state)
{
	(void)state;
	char want[80];
	run("blk crc 99 1");
	assert_int_equal(blk.n_out, 1);
	assert_int_equal(blk.out[0].sectors, 1);
	finish(0);
	snprintf(want, sizeof(want), "crc32 0x%08x over 1 sectors from LBA 99\n",
		 crc_bitwise(disk[99], HIL_BLOCK_SECTOR));
	assert_string_equal(answer, want);
}

static void test_a_failed_read_is_reported_once_after_every_buffer_is_back(void **state)
{
	(void)state;
	blk.fail_lba_16 = true;
	run("blk crc 0 40"); /* reads at 0, 8, 16 out */
	finish(2);           /* 16 fails */
	assert_int_equal(answers, 0);
	assert_int_equal(blk.n_out, 2); /* no more handed out after the failure */
	finish(0);
	assert_int_equal(answers, 0);
	finish(0);
	assert_int_equal(answers, 1);
	assert_string_equal(answer, "blk: the device failed the read of LBA 16-23\n");
	assert_int_equal(blk.n_out, 0);
	run("blk crc 0 1"); /* and the next command works */
	finish(0);
	assert_non_null(strstr(answer, "crc32 0x"));
}

static void test_read_and_write(void **state)
{
	(void)state;
	char want[80];
	run("blk read 5");
	assert_int_equal(answers, 0);
	finish(0);
	assert_int_equal(strncmp(answer, "LBA 5:\n  ", 9), 0);
	char hex[3];
	snprintf(hex, sizeof(hex), "%02x", disk[5][0]);
	assert_int_equal(strncmp(answer + 9, hex, 2), 0);

	run("blk write 7 ab");
	assert_int_equal(blk.out[0].op, HIL_BLOCK_WRITE);
	finish(0);
	assert_int_equal(answers, 0); /* the flush is out */
	assert_int_equal(blk.out[0].op, HIL_BLOCK_FLUSH);
	finish(0);
	uint8_t sector[HIL_BLOCK_SECTOR];
	for (unsigned i = 0; i < sizeof(sector); i++)
		sector[i] = i % 2 ? 'b' : 'a';
	assert_memory_equal(disk[7], sector, sizeof(sector));
	snprintf(want, sizeof(want), "wrote LBA 7 (crc32 0x%08x), flushed\n",
		 crc_bitwise(sector, sizeof(sector)));
	assert_string_equal(answer, want);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	static const char *const usage[] = { "blk x", "blk read", "blk crc 1", "blk write 1",
					     "blk read 1 2" };
	for (unsigned i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		run(usage[i]);
		assert_string_equal(answer,
				    "blk: usage: blk | blk read <lba> | blk crc <lba> <count> | "
				    "blk write <lba> <pattern>\n");
	}
	run("blk read 100");
	assert_string_equal(answer, "blk: LBA '100' is not a sector of this disk (0 to 99)\n");
	run("blk crc 98 3");
	assert_string_equal(answer, "blk: COUNT must be 1 to 2 sectors from LBA 98\n");
	run("blk");
	assert_string_equal(answer, "virtio-blk: 100 sectors of 512 bytes (50 KiB)\n"
				    "features: none\n");
	assert_int_equal(blk.calls, 0);
}

static void test_no_device(void **state)
{
	(void)state;
	blk_commands_init(&cmds, NULL, NULL);
	run("blk crc 0 1");
	assert_string_equal(answer, "no block device on this machine (QEMU: -drive "
				    "file=IMG,format=raw,if=virtio)\n");
}

/* The clock moves on by `us`; the alarm's knock and the mux's service
 * come if it was due, as the loop would run them. */
static void pass_us(uint64_t us)
{
	fa.now += us;
	if (fake_alarm_due(&fa)) {
		fake_alarm_knock(&fa);
		alarm_mux_service(&mux);
	}
}

#define TIMEOUT_US ((uint64_t)BLK_COMMANDS_TIMEOUT_MS * 1000)
#define ABANDONED                                                                          \
	"blk: no answer from the device in 5000 ms; the command is abandoned, and blk is " \
	"busy until the device gives its requests back\n"

static void test_a_device_that_stops_answering_times_the_command_out(void **state)
{
	(void)state;
	run("blk read 5");
	pass_us(TIMEOUT_US - 1);
	assert_int_equal(answers, 0);
	pass_us(1);
	assert_int_equal(answers, 1);
	assert_string_equal(answer, ABANDONED);
	/* The read is still the driver's, and so is the buffer it fills. */
	assert_int_equal(blk.n_out, 1);
	run("blk read 6");
	assert_string_equal(answer,
			    "blk: the device still holds the abandoned command's requests\n");
	run("blk");
	assert_non_null(strstr(answer, "100 sectors")); /* what needs no request still answers */
	assert_int_equal(blk.n_out, 1);
	/* The device answers at last: nothing printed for the old command
	 * (its answer was given), a note that blk is free (dropped and counted
	 * by a console-less shell), and blk works again. */
	uint64_t notes = sh.stats.notes_dropped;
	answers = 0;
	finish(0);
	assert_int_equal(answers, 0);
	assert_int_equal(sh.stats.notes_dropped, notes + 1);
	run("blk read 6");
	finish(0);
	assert_int_equal(answers, 1);
	assert_true(strncmp(answer, "LBA 6:\n", 7) == 0);
	assert_false(cmds.abandoned);
	assert_int_equal(cmds.state, BLK_IDLE);
	pass_us(2 * TIMEOUT_US); /* no timeout left over */
	assert_int_equal(answers, 1);
}

static void test_a_slow_crc_that_keeps_answering_is_not_timed_out(void **state)
{
	(void)state;
	run("blk crc 0 40"); /* 5 reads of 8, 3 out at a time */
	while (blk.n_out) {
		pass_us(TIMEOUT_US - 1);
		finish(0);
	}
	assert_int_equal(answers, 1);
	assert_true(strncmp(answer, "crc32 0x", 8) == 0);
	assert_false(cmds.abandoned);
}

static void test_an_abandoned_crc_gives_back_every_buffer_silently(void **state)
{
	(void)state;
	run("blk crc 0 40");
	assert_int_equal(blk.n_out, QUEUE);
	finish(1); /* one answer, out of order, then silence */
	pass_us(TIMEOUT_US);
	assert_string_equal(answer, ABANDONED);
	unsigned calls = blk.calls;
	uint64_t notes = sh.stats.notes_dropped;
	answers = 0;
	while (blk.n_out)
		finish(blk.n_out - 1);
	assert_int_equal(blk.calls, calls); /* no read issued after the timeout */
	assert_int_equal(answers, 0);
	assert_int_equal(sh.stats.notes_dropped, notes + 1);
	assert_int_equal(cmds.state, BLK_IDLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test_setup(test_crc_in_order_whatever_the_completion_order, setup),
		cmocka_unit_test_setup(test_crc_of_a_piece_shorter_than_a_buffer, setup),
		cmocka_unit_test_setup(
			test_a_failed_read_is_reported_once_after_every_buffer_is_back, setup),
		cmocka_unit_test_setup(test_read_and_write, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_no_device, setup),
		cmocka_unit_test_setup(test_a_device_that_stops_answering_times_the_command_out,
				       setup),
		cmocka_unit_test_setup(test_a_slow_crc_that_keeps_answering_is_not_timed_out,
				       setup),
		cmocka_unit_test_setup(test_an_abandoned_crc_gives_back_every_buffer_silently,
				       setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
