/*
 * chips/x86_64/fb_console.c on the host, drawing into an ordinary buffer
 * with a tiny made-up font (4 rows per glyph).
 *
 * The framebuffer console is plain stores to memory, with no port or
 * register, but it lives in chips/ (it draws on hardware the firmware set
 * up), and unit.mk links only the chips' *_parse.c files: so this test
 * includes the .c file itself.
 *
 * Every drawing test compares the whole buffer with a picture computed
 * here, independently, from the text the test expects: glyph bits in the
 * foreground colour, the rest background, the cursor's underline, nothing
 * written past a row's pixels (the pitch padding keeps its sentinel).
 * Covered: which configurations are refused and why, pixel packing for
 * RGB and BGR at 24 and 32 bits, text, wrap, scroll (cells unchanged by a
 * scroll are not drawn again, the scrolls of one write are drawn once),
 * '\r' '\b' '\t', the fallback glyph, the HIL adapter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "chips/x86_64/fb_console.c"

#define GLYPH_H 4
#define COLS 3
#define ROWS 2
#define WIDTH (COLS * 8 + 5) /* a partial cell on the right: never drawn into */
#define HEIGHT (ROWS * GLYPH_H + 3)
#define PAD 12 /* pitch padding bytes after each row's pixels */
#define SENTINEL 0x5a

/* Glyph rows for ' ' .. '$' (first = ' ', count 5); the fallback is a box. */
static const uint8_t test_glyphs[5 * GLYPH_H] = {
	0x00, 0x00, 0x00, 0x00, /* ' ' */
	0x80, 0x40, 0x20, 0x10, /* '!' */
	0x01, 0x02, 0x04, 0x08, /* '"' */
	0xf0, 0x0f, 0xf0, 0x0f, /* '#' */
	0xaa, 0x55, 0xaa, 0x55, /* '$' */
};
static const uint8_t test_fallback[GLYPH_H] = { 0xff, 0x81, 0x81, 0xff };
static const struct fb_font font = { .height = GLYPH_H,
				     .first = ' ',
				     .count = 5,
				     .glyphs = test_glyphs,
				     .fallback = test_fallback };

/* Static, not malloc'd: a failed check returns early and must not leak. */
static uint8_t framebuffer[HEIGHT * (WIDTH * 4 + PAD)] __attribute__((aligned(64)));

struct screen {
	struct fb_info info;
	uint8_t *buf;
	size_t size;
	struct fb_console con;
};

static struct fb_info layout(uint8_t bpp, bool bgr)
{
	struct fb_info fb = {
		.pitch = WIDTH * (bpp / 8u) + PAD,
		.width = WIDTH,
		.height = HEIGHT,
		.bpp = bpp,
		.red_pos = bgr ? 16 : 0,
		.red_size = 8,
		.green_pos = 8,
		.green_size = 8,
		.blue_pos = bgr ? 0 : 16,
		.blue_size = 8,
	};
	return fb;
}

static void screen_open(struct screen *s, uint8_t bpp, bool bgr)
{
	s->info = layout(bpp, bgr);
	s->size = (size_t)s->info.pitch * HEIGHT;
	assert_true(s->size <= sizeof(framebuffer));
	s->buf = framebuffer;
	memset(s->buf, SENTINEL, s->size);
	s->info.addr = (uintptr_t)s->buf;
	fb_console_init(&s->con, &s->info, &font);
}

static void say(struct screen *s, const char *text)
{
	fb_console_write(&s->con, text, strlen(text));
}

static const uint8_t *expected_glyph(char c)
{
	if (c >= ' ' && c <= '$')
		return test_glyphs + (c - ' ') * GLYPH_H;
	return test_fallback;
}

/* The whole buffer as it must be: `rows` are the ROWS lines of COLS
 * characters the screen shows, the cursor at (ccol, crow). */
static void check_picture(const struct screen *s, const char *rows[ROWS], unsigned ccol,
			  unsigned crow)
{
	unsigned bytes = s->info.bpp / 8u;
	uint32_t fg = fb_console_pixel(&s->info, FB_CONSOLE_FG_RGB);
	uint32_t bg = fb_console_pixel(&s->info, FB_CONSOLE_BG_RGB);

	assert_int_equal(s->con.col, ccol);
	assert_int_equal(s->con.row, crow);
	for (unsigned r = 0; r < ROWS; r++)
		assert_memory_equal(s->con.text[r], rows[r], COLS);

	for (unsigned y = 0; y < HEIGHT; y++) {
		const uint8_t *line = s->buf + (size_t)y * s->info.pitch;
		for (unsigned x = 0; x < WIDTH; x++) {
			unsigned col = x / 8, row = y / GLYPH_H, gy = y % GLYPH_H;
			bool on = false;
			if (col < COLS && row < ROWS) {
				on = expected_glyph(rows[row][col])[gy] & (0x80 >> (x % 8));
				if (col == ccol && row == crow && gy >= GLYPH_H - 2)
					on = true;
			}
			uint32_t want = on ? fg : bg, got = 0;
			memcpy(&got, line + x * bytes, bytes);
			if (got != want)
				fail_msg("pixel (%u,%u) is 0x%06x, want 0x%06x", x, y, got, want);
		}
		for (unsigned i = WIDTH * bytes; i < s->info.pitch; i++)
			if (line[i] != SENTINEL)
				fail_msg("row %u: padding byte %u was written", y, i);
	}
}

/* --- refusing what it cannot draw -------------------------------------- */

static void test_unsupported_says_why(void **state)
{
	(void)state;
	struct fb_info ok = layout(32, true);
	ok.addr = 0x80000000;
	assert_null(fb_console_unsupported(&ok, &font));
	struct fb_info rgb24 = layout(24, false);
	rgb24.addr = 0xfd000000;
	assert_null(fb_console_unsupported(&rgb24, &font));

	struct fb_info fb = ok;
	fb.bpp = 16;
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "24 or 32"));
	fb = ok;
	fb.green_size = 10;
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "colour channels"));
	fb = ok;
	fb.blue_size = 0;
	assert_non_null(fb_console_unsupported(&fb, &font));
	fb = ok;
	fb.red_pos = 28; /* 28 + 8 > 32 */
	assert_non_null(fb_console_unsupported(&fb, &font));
	fb = ok;
	fb.height = GLYPH_H - 1;
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "smaller"));
	fb = ok;
	fb.pitch = WIDTH * 4 - 4;
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "pitch"));
	fb = ok;
	fb.addr = 5ull << 30;
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "4 GiB"));
	fb = ok;
	fb.addr = (4ull << 30) - fb.pitch; /* starts below, ends above */
	assert_non_null(strstr(fb_console_unsupported(&fb, &font), "4 GiB"));
	fb.addr = (4ull << 30) - (uint64_t)fb.pitch * fb.height; /* ends exactly there */
	assert_null(fb_console_unsupported(&fb, &font));
	fb = ok;
	fb.addr = 0;
	assert_non_null(fb_console_unsupported(&fb, &font));
}

static void test_pixel_packing(void **state)
{
	(void)state;
	struct fb_info bgr = layout(32, true), rgb = layout(32, false);
	assert_int_equal(fb_console_pixel(&bgr, 0x123456), 0x123456);
	assert_int_equal(fb_console_pixel(&rgb, 0x123456), 0x563412);
	/* 5-6-5: the top bits of each channel. */
	struct fb_info r565 = { .bpp = 24,
				.red_pos = 11,
				.red_size = 5,
				.green_pos = 5,
				.green_size = 6,
				.blue_pos = 0,
				.blue_size = 5 };
	assert_int_equal(fb_console_pixel(&r565, 0xffffff), 0xffff);
	assert_int_equal(fb_console_pixel(&r565, 0x800000), 0x8000);
	assert_int_equal(fb_console_pixel(&r565, 0x00ff00), 0x07e0);
}

/* The console's colours are greys, the same in every channel: storing a
 * pixel's bytes in the wrong order would not show in a picture. */
static void test_pixel_bytes_are_little_endian(void **state)
{
	(void)state;
	struct fb_console con = { .bytes_per_pixel = 3 };
	uint8_t px[4] = { 0, 0, 0, 0x77 };
	put_pixel(&con, px, 0x123456);
	assert_memory_equal(px, ((uint8_t[]){ 0x56, 0x34, 0x12, 0x77 }), 4);
	con.bytes_per_pixel = 4;
	uint32_t word = 0;
	put_pixel(&con, (uint8_t *)&word, 0x00abcdef);
	assert_int_equal(word, 0x00abcdef);
}

/* --- drawing ------------------------------------------------------------ */

static void test_init_clears_everything_and_shows_the_cursor(void **state)
{
	(void)state;
	struct screen s;
	screen_open(&s, 32, true);
	assert_int_equal(s.con.magic, FB_CONSOLE_MAGIC);
	assert_int_equal(s.con.cols, COLS);
	assert_int_equal(s.con.rows, ROWS);
	assert_int_equal(s.con.text_stride, FB_CONSOLE_MAX_COLS);
	const char *rows[ROWS] = { "   ", "   " };
	check_picture(&s, rows, 0, 0);
}

static void check_text_wrap_and_scroll(uint8_t bpp, bool bgr)
{
	struct screen s;
	screen_open(&s, bpp, bgr);

	say(&s, "!\"");
	check_picture(&s, (const char *[ROWS]){ "!\" ", "   " }, 2, 0);
	say(&s, "#$"); /* '$' wraps to the second row */
	check_picture(&s, (const char *[ROWS]){ "!\"#", "$  " }, 1, 1);
	say(&s, "\n!"); /* the bottom line: scroll */
	check_picture(&s, (const char *[ROWS]){ "$  ", "!  " }, 1, 1);
	say(&s, "!!"); /* fills the row and wraps: scroll again */
	check_picture(&s, (const char *[ROWS]){ "!!!", "   " }, 0, 1);
}

static void test_text_wrap_scroll_bgr32(void **state)
{
	(void)state;
	check_text_wrap_and_scroll(32, true);
}

static void test_text_wrap_scroll_rgb24(void **state)
{
	(void)state;
	check_text_wrap_and_scroll(24, false);
}

static void test_control_bytes_and_fallback(void **state)
{
	(void)state;
	struct screen s;
	screen_open(&s, 32, true);

	say(&s, "!!\r#");
	check_picture(&s, (const char *[ROWS]){ "#! ", "   " }, 1, 0);
	say(&s, "\b\b\b$"); /* '\b' stops at the left edge */
	check_picture(&s, (const char *[ROWS]){ "$! ", "   " }, 1, 0);
	say(&s, "\tA\x01"); /* a tab writes spaces: here up to the wrap */
	check_picture(&s, (const char *[ROWS]){ "$  ", "A\x01 " }, 2, 1);
	say(&s, "\r"); /* the cursor moves, nothing is drawn: its old cell is clean */
	check_picture(&s, (const char *[ROWS]){ "$  ", "A\x01 " }, 0, 1);
}

static void test_scroll_redraws_only_changed_cells(void **state)
{
	(void)state;
	struct screen s;
	screen_open(&s, 32, true);
	say(&s, "#\n#");
	/* Scribble on the top-left cell's pixels: '#' stays '#' there when
	 * the screen scrolls, so that cell must not be drawn again. */
	memset(s.buf, 0x11, 4);
	say(&s, "\n");
	uint32_t first;
	memcpy(&first, s.buf, 4);
	assert_int_equal(first, 0x11111111);
	assert_memory_equal(s.con.text[0], "#  ", COLS);
	assert_memory_equal(s.con.text[1], "   ", COLS);
}

/* Several scrolls in one write are drawn once, at its end: the bottom-left
 * cell goes '#', ' ', '!', ' ', '#' through the write's two scrolls and
 * ends as it was shown, so it is not drawn at all (its scribble stays),
 * where drawing each scroll would have drawn it four times. */
static void test_a_writes_scrolls_are_drawn_once(void **state)
{
	(void)state;
	struct screen s;
	screen_open(&s, 32, true);
	say(&s, "#\n#");
	uint8_t *bottom_left = s.buf + (size_t)GLYPH_H * s.info.pitch;
	memset(bottom_left, 0x11, 4);
	say(&s, "\n!\n#");
	uint32_t first;
	memcpy(&first, bottom_left, 4);
	assert_int_equal(first, 0x11111111);
	assert_memory_equal(s.con.text[0], "!  ", COLS);
	assert_memory_equal(s.con.text[1], "#  ", COLS);
	assert_false(s.con.scrolling);
}

/* One write of many lines draws exactly what the same bytes draw written
 * one at a time (each write then scrolls at most once), and both are the
 * picture computed here. */
static void test_one_write_draws_what_byte_writes_draw(void **state)
{
	(void)state;
	static const char text[] = "!\n\"#\n$$$!\n\n#\t!\r\"\n$\b#\n!!";
	static uint8_t whole[sizeof(framebuffer)];
	struct screen s;

	screen_open(&s, 32, true);
	say(&s, text);
	memcpy(whole, s.buf, s.size);
	screen_open(&s, 32, true);
	for (size_t i = 0; i + 1 < sizeof(text); i++)
		fb_console_write(&s.con, text + i, 1);
	check_picture(&s, (const char *[ROWS]){ "#  ", "!! " }, 2, 1);
	assert_memory_equal(whole, s.buf, s.size);
}

static void test_hil_adapter_writes_to_this_console(void **state)
{
	(void)state;
	struct screen s;
	struct hil_text_screen hil;
	screen_open(&s, 32, true);
	fb_console_hil(&s.con, &hil);
	assert_ptr_equal(hil.hw, &s.con);
	hil.write(hil.hw, "$#", 2);
	check_picture(&s, (const char *[ROWS]){ "$# ", "   " }, 2, 0);
}

static void test_write_before_init_does_nothing(void **state)
{
	(void)state;
	struct fb_console con;
	memset(&con, 0, sizeof(con));
	fb_console_write(&con, "!", 1); /* pixels is NULL: would crash */
	assert_int_equal(con.col, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsupported_says_why),
		cmocka_unit_test(test_pixel_packing),
		cmocka_unit_test(test_pixel_bytes_are_little_endian),
		cmocka_unit_test(test_init_clears_everything_and_shows_the_cursor),
		cmocka_unit_test(test_text_wrap_scroll_bgr32),
		cmocka_unit_test(test_text_wrap_scroll_rgb24),
		cmocka_unit_test(test_control_bytes_and_fallback),
		cmocka_unit_test(test_scroll_redraws_only_changed_cells),
		cmocka_unit_test(test_a_writes_scrolls_are_drawn_once),
		cmocka_unit_test(test_one_write_draws_what_byte_writes_draw),
		cmocka_unit_test(test_hil_adapter_writes_to_this_console),
		cmocka_unit_test(test_write_before_init_does_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
