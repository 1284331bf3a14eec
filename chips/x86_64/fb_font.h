/*
 * A bitmap font for the framebuffer console: glyphs 8 pixels wide, one
 * byte per row, leftmost pixel in the top bit.
 *
 * fb_font_default is generated at build time by tools/psf_to_c.py from a
 * Debian console font (build/fb_font.c; the font and its licence are
 * named in that file's header and in docs/boot.md).
 */
#ifndef KNOCK_CHIPS_FB_FONT_H
#define KNOCK_CHIPS_FB_FONT_H

#include <stdint.h>

#define FB_FONT_WIDTH 8

struct fb_font {
	uint8_t height;          /* rows per glyph */
	uint8_t first, count;    /* glyphs for the bytes first .. first + count - 1 */
	const uint8_t *glyphs;   /* count * height bytes */
	const uint8_t *fallback; /* height bytes: every other byte is drawn with it */
};

extern const struct fb_font fb_font_default;

#endif
