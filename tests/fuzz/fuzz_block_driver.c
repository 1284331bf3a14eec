/*
 * Fuzz the block syscall driver (capsules/block_driver.c) with three
 * processes, a fake block HIL whose requests finish (or fail) when the
 * input says, whose queue can be full, and a second client (the shell's
 * `blk`) sharing it. The input is a script of 4-byte steps: allow a
 * buffer, ask for a read, the device finishing its oldest request, the
 * queue filling or emptying, room(), a process killed and started again,
 * the shell's own read, any command. After every step the harness checks
 * what block_driver.h promises:
 *   - the device is only ever handed the driver's bounce buffer or the
 *     shell's, never a process's memory, and never a range past the disk;
 *   - a finished read changes the memory of at most one process (below
 *     its grants), only inside the buffer that process shares now, and
 *     only with the disk's bytes of that read; a process that died with a
 *     read out gets none;
 *   - the driver never has more than one read out, and the shell gets
 *     back exactly its own buffers.
 * ASan reports any byte written outside the processes' regions.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsules/block_driver.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_block.h"
#include "tests/unit/fake_elf.h"

#define BASE PROCESS_USER_BASE
#define REGION (16 * PROC_PAGE)
#define DATA_PAGES 4
#define NPROC 3
#define DISK_SECTORS 40
#define QUEUE 3
#define STEP 4

static uint8_t disk_bytes[DISK_SECTORS * HIL_BLOCK_SECTOR];
static uint8_t *regions[NPROC];
static struct process procs[NPROC];
static uint8_t file[2048];
static size_t file_len;
static struct block_driver bd;
static uint8_t shell_buf[QUEUE][HIL_BLOCK_SECTOR];
static unsigned shell_out, shell_back;
/* What each process asked for and was told yes, and not had yet. */
static struct {
	bool pending;
	uint64_t lba, n;
} want[NPROC];

static struct fake_block blk;

static bool in_a_region(const uint8_t *p, size_t n)
{
	for (unsigned i = 0; i < NPROC; i++)
		if (p < regions[i] + REGION && p + n > regions[i])
			return true;
	return false;
}

/* The device's read, checked: the driver hands it only its bounce buffer
 * or the shell's, one read of its own at a time, inside the disk. */
static int rd(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	FUZZ_CHECK(sectors > 0 && lba < DISK_SECTORS && sectors <= DISK_SECTORS - lba);
	FUZZ_CHECK(!in_a_region(buf, sectors * HIL_BLOCK_SECTOR));
	int rc = fake_block_read(hw, lba, buf, sectors);
	unsigned mine = 0;
	for (unsigned i = 0; i < blk.n_out; i++)
		mine += blk.out[i].buf == bd.bounce;
	FUZZ_CHECK(mine <= 1);
	return rc;
}

static void shell_done(void *ctx, enum hil_block_op op, uint64_t lba, uint8_t *buf, size_t n,
		       int ok)
{
	(void)ctx;
	(void)op;
	(void)lba;
	(void)n;
	(void)ok;
	FUZZ_CHECK(buf >= &shell_buf[0][0] && buf < &shell_buf[0][0] + sizeof(shell_buf));
	shell_back++;
}

static void shell_room(void *ctx)
{
	(void)ctx;
}

static const struct hil_block_client shell = { .done = shell_done, .room = shell_room };

/* The device finishes its oldest request; checks who got what. */
static void finish(int ok)
{
	static uint8_t before[NPROC][REGION];
	struct fake_block_req r = fake_block_take(&blk);
	void *ubuf[NPROC];
	size_t ulen[NPROC];

	if (ok)
		memcpy(r.buf, disk_bytes + r.lba * HIL_BLOCK_SECTOR, r.sectors * HIL_BLOCK_SECTOR);
	for (unsigned i = 0; i < NPROC; i++) {
		memcpy(before[i], regions[i], REGION);
		if (!syscall_buffer_rw(&bd.driver, &procs[i], 0, &ubuf[i], &ulen[i]))
			ubuf[i] = NULL;
	}
	blk.client->done(blk.client->ctx, HIL_BLOCK_READ, r.lba, r.buf, r.sectors, ok);
	unsigned changed = 0;
	for (unsigned i = 0; i < NPROC; i++) {
		/* The process's own memory; the grants above it are the kernel's
		 * (the driver's state changes there, and that is allowed). */
		size_t user = (size_t)(procs[i].mem.kernel_break - procs[i].mem.base);
		if (memcmp(before[i], regions[i], user) == 0)
			continue;
		changed++;
		FUZZ_CHECK(ok && r.buf == bd.bounce && ubuf[i]);
		/* Its own read, not one left over from before it was restarted. */
		FUZZ_CHECK(want[i].pending && want[i].lba == r.lba && want[i].n == r.sectors);
		want[i].pending = false;
		uint8_t *lo = ubuf[i], *hi = lo + r.sectors * HIL_BLOCK_SECTOR;
		FUZZ_CHECK(r.sectors * HIL_BLOCK_SECTOR <= ulen[i]);
		for (size_t k = 0; k < user; k++) {
			uint8_t *p = regions[i] + k;
			if (p >= lo && p < hi)
				FUZZ_CHECK(*p ==
					   disk_bytes[r.lba * HIL_BLOCK_SECTOR + (size_t)(p - lo)]);
			else
				FUZZ_CHECK(*p == before[i][k]);
		}
	}
	FUZZ_CHECK(changed <= 1);
	fake_block_room(&blk);
}

static struct syscall_result call(unsigned i, uint64_t cls, uint64_t a0, uint64_t a1, uint64_t a2,
				  uint64_t a3)
{
	struct syscall_args a = { cls, { a0, a1, a2, a3 } };
	struct syscall_result r = { 0 };
	struct upcall u;
	syscall_handle(&procs[i], &a, &r, &u);
	return r;
}

static void ask(unsigned i, uint64_t lba, uint64_t n)
{
	struct syscall_result r = call(i, SYSCALL_COMMAND, BLOCK_DRIVER_NUMBER, 2, lba, n);
	if (r.variant == SYSCALL_SUCCESS)
		want[i] = (typeof(want[i])){ true, lba, n };
}

static void load(unsigned i)
{
	FUZZ_CHECK(process_load(&procs[i], "p", file, file_len, regions[i], REGION) == NULL);
	call(i, SYSCALL_SUBSCRIBE, BLOCK_DRIVER_NUMBER, 0, BASE, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t text[16] = { 0xc3 };
	const struct fake_elf_segment seg[] = {
		{ 5, BASE, text, sizeof(text), sizeof(text) },
		{ 6, BASE + PROC_PAGE, NULL, 0, DATA_PAGES * PROC_PAGE },
	};

	(void)argc;
	(void)argv;
	file_len = fake_elf_build(file, sizeof(file), BASE, seg, 2);
	for (unsigned i = 0; i < NPROC; i++)
		regions[i] = aligned_alloc(PROC_PAGE, REGION);
	for (unsigned k = 0; k < sizeof(disk_bytes); k++)
		disk_bytes[k] = (uint8_t)(k / HIL_BLOCK_SECTOR * 7 + k + 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reset();
	syscall_reset_for_test();
	fake_block_init(&blk, DISK_SECTORS, QUEUE);
	blk.hil.read = rd;
	shell_out = shell_back = 0;
	memset(want, 0, sizeof(want));
	block_driver_init(&bd, &blk.hil, &shell, 2);
	for (unsigned i = 0; i < NPROC; i++)
		load(i);
	for (size_t at = 0; at + STEP <= size; at += STEP) {
		const uint8_t *s = data + at;
		unsigned p = s[1] % NPROC;
		switch (s[0] % 8) {
		case 0: /* allow a buffer in the data pages (or past them) */
			call(p, SYSCALL_ALLOW_RW, BLOCK_DRIVER_NUMBER, 0,
			     BASE + PROC_PAGE + (uint64_t)s[2] * 64, (uint64_t)s[3] * 64);
			break;
		case 1: /* ask for a read */
			ask(p, s[2] % (DISK_SECTORS + 4), s[3] % 11);
			break;
		case 2:
			if (blk.n_out)
				finish(!(s[1] & 0x80));
			break;
		case 3:
			blk.full = s[1] & 1;
			break;
		case 4:
			fake_block_room(&blk);
			break;
		case 5: /* killed, then started again in the same slot */
			want[p].pending = false;
			syscall_release(&procs[p]);
			process_stop(&procs[p], PROCESS_KILLED);
			if (s[2] & 1)
				load(p);
			break;
		case 6: /* the shell's own read */
			if (shell_out - shell_back < QUEUE &&
			    rd(&blk, s[2] % DISK_SECTORS, shell_buf[shell_out % QUEUE], 1) == 0)
				shell_out++;
			break;
		default: /* any command (2 goes through ask(), to know what was asked) */
			if (s[2] == 2)
				ask(p, s[3], s[1]);
			else
				call(p, SYSCALL_COMMAND, BLOCK_DRIVER_NUMBER, s[2], s[3], s[1]);
		}
	}
	/* The queue empties: every read still waiting goes out and comes back. */
	blk.full = false;
	fake_block_room(&blk);
	while (blk.n_out)
		finish(1);
	FUZZ_CHECK(!bd.busy && bd.queued == 0);
	FUZZ_CHECK(shell_back == shell_out);
	return 0;
}
