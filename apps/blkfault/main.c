/*
 * blkfault (hostile, for the tests): reads LBA 0 and prints its first
 * bytes, then asks for a read of LBA 8 into the same buffer and faults
 * (ud2) at once, so the process dies with that read out (the device has
 * not answered yet). Run with procfault=restart:N: each new run's read of
 * LBA 0 must give LBA 0's bytes, never the dead run's LBA 8 landing in the
 * same buffer of the same process slot (tests/e2e/test_blk_processes.py).
 */
#include "libknock/knock.h"

#define BLOCK 0x3

static uint8_t buf[KNOCK_BLOCK_SECTOR];

static void ignore(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t ud)
{
	(void)a0;
	(void)a1;
	(void)a2;
	(void)ud;
}

int main(void)
{
	int err = knock_block_read(0, buf, 1);

	knock_printf("blkfault: LBA 0 starts %02x %02x %02x %02x (error %d)\n", buf[0], buf[1],
		     buf[2], buf[3], err);
	knock_subscribe(BLOCK, 0, ignore, 0);
	knock_allow_rw(BLOCK, 0, buf, sizeof(buf));
	struct knock_result r = knock_command(BLOCK, 2, 8, 1);
	if (r.variant < KNOCK_SUCCESS)
		knock_printf("blkfault: read of LBA 8 refused (error %d)\n", (int)r.v[0]);
	__builtin_trap();
}
