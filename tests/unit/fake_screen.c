/* The recording text screen for unit tests: see fake_screen.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fake_screen.h"

char fake_screen_text[1 << 16];
size_t fake_screen_len;

static void screen_write(void *hw, const char *s, size_t n)
{
	(void)hw;
	assert_true(fake_screen_len + n < sizeof(fake_screen_text));
	memcpy(fake_screen_text + fake_screen_len, s, n);
	fake_screen_len += n;
	fake_screen_text[fake_screen_len] = '\0';
}

const struct hil_text_screen fake_screen = { .hw = NULL, .write = screen_write };

void fake_screen_clear(void)
{
	fake_screen_len = 0;
	fake_screen_text[0] = '\0';
}
