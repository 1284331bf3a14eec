/*
 * HIL: a text screen (VGA text mode; later a framebuffer console). Writing
 * is synchronous and cheap (memory stores), so it needs no callback.
 */
#ifndef KNOCK_KERNEL_HIL_TEXT_SCREEN_H
#define KNOCK_KERNEL_HIL_TEXT_SCREEN_H

#include <stddef.h>

struct hil_text_screen {
	void *hw;
	void (*write)(void *hw, const char *s, size_t n);
};

#endif
