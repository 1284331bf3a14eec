/*
 * The framebuffer text console (fb_console.h).
 *
 * Spec: Multiboot2 Specification 2.0, 3.6.12 (framebuffer info tag: address,
 * pitch, bpp, RGB field positions); the PC Screen Font (PSF) layout of the
 * Linux console fonts (tools/psf_to_c.py).
 */
#include <stdbool.h>
#include <stdint.h>

#include "chips/x86_64/fb_console.h"
#include "kernel/string.h"

#define TAB_WIDTH 8

static bool channel_fits(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size >= 1 && size <= 8 && pos + size <= bpp;
}

const char *fb_console_unsupported(const struct fb_info *fb, const struct fb_font *font)
{
	if (fb->bpp != 32 && fb->bpp != 24)
		return "its pixel size is not 24 or 32 bits";
	if (!channel_fits(fb->red_pos, fb->red_size, fb->bpp) ||
	    !channel_fits(fb->green_pos, fb->green_size, fb->bpp) ||
	    !channel_fits(fb->blue_pos, fb->blue_size, fb->bpp))
		return "its colour channels are not 1 to 8 bits inside the pixel";
	if (fb->width < FB_FONT_WIDTH || fb->height < font->height)
		return "it is smaller than one character";
	if (fb->pitch < fb->width * (fb->bpp / 8u) || (fb->bpp == 32 && fb->pitch % 4))
		return "its pitch is shorter than a row of pixels or misaligned";
	if (fb->addr == 0 || fb->addr % 4)
		return "its address is 0 or misaligned";
	if (fb->addr >= FB_CONSOLE_MAPPED_LIMIT ||
	    (uint64_t)fb->pitch * fb->height > FB_CONSOLE_MAPPED_LIMIT - fb->addr)
		return "it is not all below 4 GiB, the memory knock maps";
	return NULL;
}

static uint32_t channel(uint32_t rgb, unsigned shift, uint8_t pos, uint8_t size)
{
	uint32_t value = (rgb >> shift) & 0xff;
	return (value >> (8 - size)) << pos;
}

uint32_t fb_console_pixel(const struct fb_info *fb, uint32_t rgb)
{
	return channel(rgb, 16, fb->red_pos, fb->red_size) |
	       channel(rgb, 8, fb->green_pos, fb->green_size) |
	       channel(rgb, 0, fb->blue_pos, fb->blue_size);
}

static void put_pixel(const struct fb_console *con, uint8_t *at, uint32_t value)
{
	if (con->bytes_per_pixel == 4) {
		/* Aligned: fb_console_unsupported() checked address and pitch. */
		*(uint32_t *)at = value;
	} else {
		at[0] = (uint8_t)value;
		at[1] = (uint8_t)(value >> 8);
		at[2] = (uint8_t)(value >> 16);
	}
}

static const uint8_t *glyph_of(const struct fb_font *font, uint8_t c)
{
	if (c >= font->first && c - font->first < font->count)
		return font->glyphs + (size_t)(c - font->first) * font->height;
	return font->fallback;
}

/* One 8-byte word of a row, as one load and one store (`at` need not be
 * aligned: x86 stores any address). */
static inline void copy_word(uint8_t *at, const uint8_t *from)
{
	uint64_t w;
	__builtin_memcpy(&w, from, sizeof(w));
	__builtin_memcpy(at, &w, sizeof(w));
}

/*
 * One glyph row of 8 pixels from the precomputed table: 32 or 24 bytes,
 * as four or three 8-byte stores written out. A copy of that constant
 * size is what the compiler would otherwise turn into `rep movsl` at -Oz,
 * and under TCG each repetition of a string instruction is a pass of its
 * own through QEMU's execution loop. 40 lines of 98 characters, each
 * scrolling the 100x37 screen (OVMF's 800x600): 30.3 ms with `rep
 * movsl`, 21.2 ms with these stores (docs/boot.md).
 */
static inline void put_row(const struct fb_console *con, uint8_t *at, uint8_t bits)
{
	const uint8_t *from = con->row_pixels[bits];

	copy_word(at, from);
	copy_word(at + 8, from + 8);
	copy_word(at + 16, from + 16);
	if (con->bytes_per_pixel == 4)
		copy_word(at + 24, from + 24);
}

/* Draw one cell from the text grid, with or without the cursor. `was` is
 * the glyph the cell shows now without the cursor, or NULL if unknown:
 * the pixel rows the two glyphs share (most blank rows) are not drawn. */
static void draw_cell(struct fb_console *con, uint32_t col, uint32_t row, bool cursor,
		      const uint8_t *was)
{
	const uint32_t h = con->font->height;
	const uint8_t *glyph = glyph_of(con->font, con->text[row][col]);
	uint8_t *line = con->pixels + (size_t)row * h * con->pitch +
			(size_t)col * FB_FONT_WIDTH * con->bytes_per_pixel;

	for (uint32_t y = 0; y < h; y++, line += con->pitch) {
		uint8_t bits = glyph[y];
		if (cursor && y >= h - FB_CONSOLE_CURSOR_LINES)
			bits = 0xff;
		if (was && was[y] == bits)
			continue;
		put_row(con, line, bits);
	}
}

/* A cell of the grid, drawn unless a scroll is pending (then the write's
 * end draws it, with the others the scrolls changed). */
static void set_cell(struct fb_console *con, uint32_t col, uint32_t row, uint8_t c)
{
	uint8_t old = con->text[row][col];
	if (old == c)
		return;
	con->text[row][col] = c;
	if (!con->scrolling)
		draw_cell(con, col, row, false, glyph_of(con->font, old));
}

/* Everything up one line, in the grid only. The first scroll of a write
 * keeps what the screen shows in `shown`; draw_scrolled() draws the
 * cells whose character then differs, once for all the write's scrolls. */
static void scroll(struct fb_console *con)
{
	if (!con->scrolling) {
		for (uint32_t row = 0; row < con->rows; row++)
			memcpy(con->shown[row], con->text[row], con->cols);
		con->scrolling = true;
	}
	for (uint32_t row = 0; row + 1 < con->rows; row++)
		memcpy(con->text[row], con->text[row + 1], con->cols);
	memset(con->text[con->rows - 1], ' ', con->cols);
}

static void draw_scrolled(struct fb_console *con)
{
	for (uint32_t row = 0; row < con->rows; row++)
		for (uint32_t col = 0; col < con->cols; col++)
			if (con->text[row][col] != con->shown[row][col])
				draw_cell(con, col, row, false,
					  glyph_of(con->font, con->shown[row][col]));
	con->scrolling = false;
}

static void newline(struct fb_console *con)
{
	con->col = 0;
	if (++con->row == con->rows) {
		scroll(con);
		con->row = con->rows - 1;
	}
}

/* Recursive only for a tab, which puts spaces: one level deep. */
static void put(struct fb_console *con, uint8_t c) // NOLINT(misc-no-recursion)
{
	switch (c) {
	case '\n':
		newline(con);
		break;
	case '\r':
		con->col = 0;
		break;
	case '\b':
		if (con->col > 0)
			con->col--;
		break;
	case '\t':
		do
			put(con, ' ');
		while (con->col % TAB_WIDTH);
		break;
	default:
		set_cell(con, con->col, con->row, c);
		if (++con->col == con->cols)
			newline(con);
	}
}

void fb_console_write(struct fb_console *con, const char *s, size_t n)
{
	if (con->magic != FB_CONSOLE_MAGIC || n == 0)
		return;
	if (con->scrolling) /* a write a panic stopped half way: finish its picture */
		draw_scrolled(con);
	draw_cell(con, con->col, con->row, false, NULL); /* the cursor moves: take it off */
	for (size_t i = 0; i < n; i++)
		put(con, (uint8_t)s[i]);
	if (con->scrolling)
		draw_scrolled(con);
	draw_cell(con, con->col, con->row, true, NULL);
}

static void write_hil(void *hw, const char *s, size_t n)
{
	fb_console_write(hw, s, n);
}

void fb_console_hil(struct fb_console *con, struct hil_text_screen *out)
{
	*out = (struct hil_text_screen){ .hw = con, .write = write_hil };
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void fb_console_init(struct fb_console *con, const struct fb_info *fb, const struct fb_font *font)
{
	memset(con, 0, sizeof(*con));
	con->pixels = (uint8_t *)(uintptr_t)fb->addr;
	con->pitch = fb->pitch;
	con->bytes_per_pixel = fb->bpp / 8u;
	con->width = fb->width;
	con->height = fb->height;
	con->font = font;
	con->fg_rgb = FB_CONSOLE_FG_RGB;
	con->bg_rgb = FB_CONSOLE_BG_RGB;
	con->fg = fb_console_pixel(fb, FB_CONSOLE_FG_RGB);
	con->bg = fb_console_pixel(fb, FB_CONSOLE_BG_RGB);
	con->cursor_lines = FB_CONSOLE_CURSOR_LINES;
	con->cols = min_u32(fb->width / FB_FONT_WIDTH, FB_CONSOLE_MAX_COLS);
	con->rows = min_u32(fb->height / font->height, FB_CONSOLE_MAX_ROWS);
	con->text_stride = FB_CONSOLE_MAX_COLS;
	memset(con->text, ' ', sizeof(con->text));

	for (unsigned bits = 0; bits < 256; bits++)
		for (unsigned x = 0; x < FB_FONT_WIDTH; x++)
			put_pixel(con, con->row_pixels[bits] + (size_t)x * con->bytes_per_pixel,
				  (bits & (0x80u >> x)) ? con->fg : con->bg);

	/* All of it, not only the text area: the loader's last picture
	 * (GRUB's "Booting ..." screen) must not show around the text. Eight
	 * pixels at a time, then the rest of the row one by one. */
	uint8_t *line = con->pixels;
	for (uint32_t y = 0; y < fb->height; y++, line += fb->pitch) {
		uint32_t x = 0;
		for (; x + FB_FONT_WIDTH <= fb->width; x += FB_FONT_WIDTH)
			put_row(con, line + (size_t)x * con->bytes_per_pixel, 0);
		for (; x < fb->width; x++)
			put_pixel(con, line + (size_t)x * con->bytes_per_pixel, con->bg);
	}

	con->magic = FB_CONSOLE_MAGIC;
	draw_cell(con, 0, 0, true, NULL);
}
