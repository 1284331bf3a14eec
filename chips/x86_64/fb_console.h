/*
 * Framebuffer text console: the VGA text console's replacement when the
 * firmware (UEFI) hands over a linear framebuffer instead of text mode.
 *
 * It keeps a grid of characters, the text it shows, and draws each cell
 * from that grid with an 8-pixel-wide bitmap font (chips/x86_64/fb_font.h):
 * light grey on black like VGA text, an underline cursor in the bottom
 * rows of the cursor's cell, scrolling by one line when the text reaches
 * the bottom. Control bytes are those of the VGA console: '\n', '\r',
 * '\b', '\t'; any byte the font has no glyph for is drawn with the
 * fallback glyph.
 *
 * Everything is drawn from the grid, never read back from the
 * framebuffer (reading video memory is slow on real hardware), so a
 * scroll redraws only the cells whose character changed, and the scrolls
 * of one write are drawn once, at its end (a 40-line answer redraws the
 * screen once, not 40 times). Drawing is plain
 * stores to memory: there is no device register, so the same code runs on
 * the host in tests/unit/test_fb_console.c over an ordinary buffer.
 *
 * Polled and synchronous, like vga_write: it serves as a log sink, a
 * panic sink and, through fb_console_hil(), the console capsule's
 * struct hil_text_screen. Not reentrant: one writer at a time (the loop,
 * or a panic that has stopped it).
 */
#ifndef KNOCK_CHIPS_FB_CONSOLE_H
#define KNOCK_CHIPS_FB_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/x86_64/fb_font.h"
#include "kernel/hil/text_screen.h"

/* A linear RGB framebuffer, as the Multiboot2 framebuffer tag (type 1)
 * describes it: each colour channel is `size` bits at bit `pos` of the
 * little-endian pixel. */
struct fb_info {
	uint64_t addr;
	uint32_t pitch; /* bytes from one pixel row to the next */
	uint32_t width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

#define FB_CONSOLE_MAGIC 0x4342464bu /* "KFBC" in memory */
#define FB_CONSOLE_MAX_COLS 256
#define FB_CONSOLE_MAX_ROWS 128
#define FB_CONSOLE_FG_RGB 0xaaaaaau /* VGA's light grey */
#define FB_CONSOLE_BG_RGB 0x000000u
#define FB_CONSOLE_CURSOR_LINES 2 /* the underline: the cell's bottom pixel rows */
/* boot/entry32.asm identity-maps the first 4 GiB, and nothing else. */
#define FB_CONSOLE_MAPPED_LIMIT (4ull << 30)

struct fb_console {
	/*
	 * What the console believes it shows. tests/e2e/test_uefi.py reads
	 * these fields out of guest memory (QMP pmemsave) and compares a
	 * screendump with the same text drawn on the host: keep them first,
	 * all 32-bit, in this order.
	 */
	uint32_t magic; /* FB_CONSOLE_MAGIC once initialised */
	uint32_t cols, rows;
	uint32_t col, row;    /* the cursor; col < cols, row < rows */
	uint32_t text_stride; /* FB_CONSOLE_MAX_COLS: bytes per row of text */
	uint32_t fg_rgb, bg_rgb;
	uint32_t cursor_lines;
	uint8_t text[FB_CONSOLE_MAX_ROWS][FB_CONSOLE_MAX_COLS];

	/* How to draw. */
	uint8_t *pixels;
	uint32_t pitch, bytes_per_pixel;
	uint32_t width, height; /* in pixels */
	uint32_t fg, bg;        /* fg_rgb and bg_rgb as pixel values */
	const struct fb_font *font;
	/* The pixels of every 8-pixel glyph row (bit 7 leftmost: fg, else
	 * bg) at this framebuffer's pixel size: a row is drawn with one copy
	 * instead of 8 pixel stores (boot's share on UEFI: docs/boot.md). */
	uint8_t row_pixels[256][FB_FONT_WIDTH * 4];
	/* While a write scrolls: the grid as the screen showed it when the
	 * write's first scroll came. */
	bool scrolling;
	uint8_t shown[FB_CONSOLE_MAX_ROWS][FB_CONSOLE_MAX_COLS];
};

/* NULL if the console can draw on `fb` with `font`, else why not (a
 * sentence for the log). */
const char *fb_console_unsupported(const struct fb_info *fb, const struct fb_font *font);

/* Take over `fb` (which fb_console_unsupported() accepted): clear all of
 * it to the background, empty the text, cursor at the top left. The
 * text area is the largest grid of whole cells that fits, at most
 * FB_CONSOLE_MAX_COLS x FB_CONSOLE_MAX_ROWS, from the top left corner. */
void fb_console_init(struct fb_console *con, const struct fb_info *fb, const struct fb_font *font);

void fb_console_write(struct fb_console *con, const char *s, size_t n);

/* The console as the text screen HIL (hw is `con`). */
void fb_console_hil(struct fb_console *con, struct hil_text_screen *out);

/* The pixel value of 0xrrggbb in fb's layout (exposed for the tests). */
uint32_t fb_console_pixel(const struct fb_info *fb, uint32_t rgb);

#endif
