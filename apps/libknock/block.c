/*
 * The block driver (driver 0x3, read-only) from the app's side: the
 * capacity, and a read that allows the buffer read-write, asks, waits in
 * yield for the upcall, and takes the buffer back.
 */
#include "knock.h"

#define BLOCK 0x3

static int done;
static uint64_t status;

static void read_done(uint64_t st, uint64_t sectors, uint64_t a2, uint64_t ud)
{
	(void)sectors;
	(void)a2;
	(void)ud;
	status = st;
	done = 1;
}

int64_t knock_block_sectors(void)
{
	struct knock_result r = knock_command(BLOCK, 1, 0, 0);
	return r.variant < KNOCK_SUCCESS ? -(int64_t)r.v[0] : (int64_t)r.v[0];
}

int knock_block_read(uint64_t lba, void *buf, uint32_t sectors)
{
	struct knock_result r;

	knock_subscribe(BLOCK, 0, read_done, 0);
	r = knock_allow_rw(BLOCK, 0, buf, (size_t)sectors * KNOCK_BLOCK_SECTOR);
	if (r.variant < KNOCK_SUCCESS)
		return (int)r.v[0];
	done = 0;
	r = knock_command(BLOCK, 2, lba, sectors);
	if (r.variant >= KNOCK_SUCCESS) {
		while (!done)
			knock_yield();
	}
	knock_allow_rw(BLOCK, 0, NULL, 0);
	return r.variant < KNOCK_SUCCESS ? (int)r.v[0] : (int)status;
}
