/*
 * blkloop: reads LBA 0 and LBA 8 (8 sectors each) in turn, without end,
 * always into the same buffer, so it always has a read queued or out: the
 * test for fairness (another reader still finishes) and for a process
 * killed with a read in flight (tests/e2e/test_blk_processes.py). It
 * prints the first bytes of its first read of LBA 0 (the test compares
 * them with the host's file: a read left over from before a restart,
 * landing in the same buffer, would show here or as a difference later),
 * and says so if a read ever differs from the first read of its LBA.
 */
#include "libknock/knock.h"

#define N KNOCK_BLOCK_MAX_SECTORS
#define BYTES (N * KNOCK_BLOCK_SECTOR)

static uint8_t buf[BYTES];
static uint8_t ref[2][BYTES]; /* LBA 0 and LBA N as first read */

int main(void)
{
	int64_t size = knock_block_sectors();

	if (size < 2 * N) {
		knock_printf("blkloop: no disk of %u sectors (%d)\n", 2 * N, (int)size);
		return 1;
	}
	for (unsigned k = 0; k < 2; k++) {
		if (knock_block_read(k * N, buf, N) != 0)
			return 2;
		for (unsigned i = 0; i < BYTES; i++)
			ref[k][i] = buf[i];
	}
	knock_printf("blkloop: reading, LBA 0 starts %02x %02x %02x %02x\n", ref[0][0], ref[0][1],
		     ref[0][2], ref[0][3]);
	for (uint64_t n = 1;; n++) {
		unsigned k = n & 1;
		int err = knock_block_read(k * N, buf, N);
		if (err) {
			knock_printf("blkloop: read %u failed (error %d)\n", (unsigned)n, err);
			return 3;
		}
		for (unsigned i = 0; i < BYTES; i++)
			if (buf[i] != ref[k][i]) {
				knock_printf("blkloop: read %u differs at byte %u\n", (unsigned)n,
					     i);
				return 4;
			}
	}
}
