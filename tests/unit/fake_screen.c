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
	/* Only cmocka's mock_assert(): the fuzz harnesses link this too. */
	if (fake_screen_len + n >= sizeof(fake_screen_text)) {
		mock_assert(0, "the fake screen is full", __FILE__, __LINE__);
		return;
	}
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

const char *fake_screen_answer(const char *line, const char *prompt)
{
	static char text[sizeof(fake_screen_text)];
	size_t echo = strlen(line) + 1, p = strlen(prompt), n = fake_screen_len;

	if (n < echo + p || memcmp(fake_screen_text + n - p, prompt, p) != 0) {
		mock_assert(0, "the screen ends in the prompt after the echoed line", __FILE__,
			    __LINE__);
		return "";
	}
	n -= echo + p;
	memcpy(text, fake_screen_text + echo, n);
	text[n] = '\0';
	return text;
}
