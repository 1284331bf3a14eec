/* A block device, for tests (see fake_block.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fake_block.h"

static uint64_t capacity(void *hw)
{
	struct fake_block *b = hw;
	return b->sectors;
}

int fake_block_read(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	struct fake_block *b = hw;
	if (b->refuse)
		return HIL_BLOCK_REFUSED;
	if (b->full || b->n_out == b->queue) {
		b->fulls++;
		b->owed_room = true;
		return HIL_BLOCK_FULL;
	}
	b->out[b->n_out++] = (struct fake_block_req){ lba, buf, sectors };
	return 0;
}

static int refuse_write(void *hw, uint64_t lba, uint8_t *buf, size_t sectors)
{
	(void)hw;
	(void)lba;
	(void)buf;
	(void)sectors;
	mock_assert(0, "the driver wrote to the disk", __FILE__, __LINE__);
	return HIL_BLOCK_REFUSED;
}

static void set_client(void *hw, const struct hil_block_client *c)
{
	struct fake_block *b = hw;
	b->client = c;
}

void fake_block_init(struct fake_block *b, uint64_t sectors, unsigned queue)
{
	mock_assert(queue <= FAKE_BLOCK_MAX_QUEUE, "queue <= FAKE_BLOCK_MAX_QUEUE", __FILE__,
		    __LINE__);
	memset(b, 0, sizeof(*b));
	b->hil = (struct hil_block){
		.hw = b,
		.capacity = capacity,
		.read = fake_block_read,
		.write = refuse_write,
		.set_client = set_client,
	};
	b->sectors = sectors;
	b->queue = queue;
}

struct fake_block_req fake_block_take(struct fake_block *b)
{
	mock_assert(b->n_out > 0, "a read is out", __FILE__, __LINE__);
	struct fake_block_req r = b->out[0];
	memmove(&b->out[0], &b->out[1], (b->n_out - 1) * sizeof(r));
	b->n_out--;
	return r;
}

void fake_block_room(struct fake_block *b)
{
	if (b->owed_room && !b->full) {
		b->owed_room = false;
		b->client->room(b->client->ctx);
	}
}
