/*
 * The pc board's text screen, chosen from what the boot loader handed
 * over in the Multiboot2 framebuffer tag:
 *
 * - EGA text (type 2: BIOS, GRUB kept text mode): VGA text at 0xb8000;
 * - RGB (type 1: UEFI's GOP, or a VBE mode) with 24 or 32 bits per pixel,
 *   below 4 GiB: the framebuffer console (chips/x86_64/fb_console.h);
 * - anything else, or no tag: no screen. knock says why on serial and
 *   goes on with the serial console alone. It never writes to 0xb8000
 *   unless the tag says text mode is there: under UEFI there may be no
 *   VGA memory at all.
 *
 * Whatever it chose, the console capsule sees one struct hil_text_screen
 * and cannot tell which.
 */
#ifndef KNOCK_BOARD_PC_WIRE_SCREEN_H
#define KNOCK_BOARD_PC_WIRE_SCREEN_H

#include <stddef.h>

#include "kernel/multiboot2.h"

/* Choose and initialise (clear) the screen. Logs nothing: call it before
 * the first line that should appear on the screen. */
void board_screen_init(const struct boot_info *info);

/* Log the choice: "screen: ..." (after the first log line). */
void board_screen_report(void);

/* The screen for the console capsule; NULL when there is none. */
const struct hil_text_screen *board_screen(void);

/* Polled write to the screen (log and panic sink); nothing without one. */
void board_screen_write(const char *s, size_t n);

#endif
