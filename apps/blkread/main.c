/*
 * blkread: reads the disk through the block driver (driver 0x3), at most
 * its first 1 MiB, 4 KiB at a time, and prints how many sectors it read,
 * their CRC-32 (zlib's, so a test can compare it with the host's) and the
 * first 8 bytes of LBA 0. Without a disk it says so.
 */
#include "libknock/knock.h"

#define MAX_SECTORS 2048u /* 1 MiB */

static uint8_t buf[KNOCK_BLOCK_MAX_SECTORS * KNOCK_BLOCK_SECTOR];

/* zlib's CRC-32, bit by bit: apps have no table to spare and the disk is small. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

int main(void)
{
	int64_t size = knock_block_sectors();
	uint8_t first[8] = { 0 };
	uint32_t crc = 0;

	if (size < 0) {
		knock_printf("blkread: no disk (error %d)\n", (int)-size);
		return 1;
	}
	uint64_t total = (uint64_t)size < MAX_SECTORS ? (uint64_t)size : MAX_SECTORS;
	for (uint64_t lba = 0; lba < total;) {
		uint32_t n = total - lba < KNOCK_BLOCK_MAX_SECTORS ? (uint32_t)(total - lba) :
								     KNOCK_BLOCK_MAX_SECTORS;
		int err = knock_block_read(lba, buf, n);
		if (err) {
			knock_printf("blkread: read of LBA %u failed (error %d)\n", (unsigned)lba,
				     err);
			return 1;
		}
		if (lba == 0)
			for (int i = 0; i < 8; i++)
				first[i] = buf[i];
		crc = crc32_update(crc, buf, (size_t)n * KNOCK_BLOCK_SECTOR);
		lba += n;
	}
	/* One write, so the line is never cut by another process's output. */
	knock_printf("blkread: %u sectors of %u, crc32 0x%08x, first bytes "
		     "%02x %02x %02x %02x %02x %02x %02x %02x\n",
		     (unsigned)total, (unsigned)size, (unsigned)crc, first[0], first[1], first[2],
		     first[3], first[4], first[5], first[6], first[7]);
	return 0;
}
