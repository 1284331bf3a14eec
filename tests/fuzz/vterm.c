/* The line editor's oracle terminal: see vterm.h. */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/vterm.h"

void vterm_init(struct vterm *t)
{
	memset(t, 0, sizeof(*t));
}

void vterm_write(struct vterm *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n') {
			vterm_init(t);
		} else if (c == '\r') {
			t->col = 0;
		} else if (c == '\b') {
			FUZZ_CHECK(t->col > 0);
			t->col--;
		} else {
			FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
			FUZZ_CHECK(t->col < VTERM_COLUMNS);
			t->row[t->col++] = c;
			if (t->col > t->width)
				t->width = t->col;
		}
	}
}

void vterm_check(const struct vterm *t, const struct line_editor *le)
{
	size_t plen = strlen(le->prompt);

	FUZZ_CHECK(le->len <= LINE_MAX_CHARS && le->cursor <= le->len);
	FUZZ_CHECK(t->width >= plen + le->len);
	FUZZ_CHECK(memcmp(t->row, le->prompt, plen) == 0);
	FUZZ_CHECK(memcmp(t->row + plen, le->line, le->len) == 0);
	for (size_t i = plen + le->len; i < t->width; i++)
		FUZZ_CHECK(t->row[i] == ' ');
	FUZZ_CHECK(t->col == plen + le->cursor);
}
