/* The bake-off's seeded load for the outside world (world_load.h). */
#include "capsules/lab/world_load.h"

#include "capsules/crc32.h"
#include "kernel/string.h"

static uint32_t xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* 2..7, 3..6: as tools/bakeoff.py's world_lines(). */
static uint32_t pick(uint32_t *x, uint32_t lo, uint32_t hi)
{
	return lo + xorshift32(x) % (hi - lo + 1);
}

static void next_line(struct world_load *w)
{
	static const char alphabet[] = WORLD_ALPHABET;
	size_t n = 0;

	memcpy(w->line, "echo", 4);
	n = 4;
	uint32_t words = pick(&w->text_x, 3, 6);
	for (uint32_t i = 0; i < words; i++) {
		uint32_t len = pick(&w->text_x, 2, 7);
		w->line[n++] = ' ';
		for (uint32_t j = 0; j < len; j++)
			w->line[n++] = alphabet[xorshift32(&w->text_x) % (sizeof(alphabet) - 1)];
	}
	/* The last line is cut to the keys left (Enter included), at least
	 * "echo X" long, and its trailing spaces dropped. */
	if (n + 1 > w->keys_left) {
		size_t keep = w->keys_left > 7 ? w->keys_left - 1 : 6;
		if (keep < n)
			n = keep;
		while (n > 6 && w->line[n - 1] == ' ')
			n--;
	}
	w->line[n++] = '\n';
	w->line_len = n;
	w->line_pos = 0;
}

void world_load_init(struct world_load *w, uint64_t keys, uint64_t serial_bytes,
		     const char *terminator)
{
	memset(w, 0, sizeof(*w));
	w->text_x = WORLD_TEXT_SEED;
	w->keys_left = keys;
	w->serial_x = WORLD_SERIAL_SEED;
	w->data_left = serial_bytes;
	w->terminator = terminator;
}

char world_load_next_char(struct world_load *w)
{
	if (!w->keys_left)
		return 0;
	if (w->line_pos == w->line_len)
		next_line(w);
	w->keys_left--;
	return w->line[w->line_pos++];
}

uint8_t world_scancode(char c)
{
	static const uint8_t letters[26] = { 0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17,
					     0x24, 0x25, 0x26, 0x32, 0x31, 0x18, 0x19, 0x10, 0x13,
					     0x1f, 0x14, 0x16, 0x2f, 0x11, 0x2d, 0x15, 0x2c };

	if (c >= 'a' && c <= 'z')
		return letters[c - 'a'];
	if (c >= '1' && c <= '9')
		return (uint8_t)(0x02 + (c - '1'));
	if (c == '0')
		return 0x0b;
	if (c == ' ')
		return 0x39;
	if (c == '\n')
		return 0x1c;
	return 0;
}

bool world_load_next_key(void *ctx, uint8_t *make, uint8_t *brk)
{
	char c = world_load_next_char(ctx);

	if (!c)
		return false;
	*make = world_scancode(c);
	*brk = (uint8_t)(*make | 0x80);
	return true;
}

bool world_load_next_serial(void *ctx, uint8_t *byte)
{
	struct world_load *w = ctx;

	if (w->data_left) {
		w->data_left--;
		*byte = (uint8_t)xorshift32(&w->serial_x);
		w->data_crc = crc32_update(w->data_crc, byte, 1);
		w->data_sent++;
		return true;
	}
	if (w->terminator && w->terminator[w->term_pos]) {
		*byte = (uint8_t)w->terminator[w->term_pos++];
		return true;
	}
	return false;
}

void world_load_resend_terminator(struct world_load *w)
{
	if (!w->data_left)
		w->term_pos = 0;
}
