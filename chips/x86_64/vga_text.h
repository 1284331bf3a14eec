/* VGA text mode console, 80x25, polled. */
#ifndef KNOCK_CHIPS_VGA_TEXT_H
#define KNOCK_CHIPS_VGA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define VGA_COLS 80
#define VGA_ROWS 25

void vga_init(void);
void vga_write(const char *s, size_t n);

#endif
