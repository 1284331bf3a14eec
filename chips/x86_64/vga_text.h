/* VGA text mode console, 80x25, polled. */
#ifndef KNOCK_CHIPS_VGA_TEXT_H
#define KNOCK_CHIPS_VGA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define VGA_COLS 80
#define VGA_ROWS 25

void vga_init(void);
void vga_write(const char *s, size_t n);
/* vga_write() with the text screen HIL's signature (hw unused), so that a
 * board can hand it over without a wrapper on the echo path. */
void vga_screen_write(void *hw, const char *s, size_t n);

#endif
