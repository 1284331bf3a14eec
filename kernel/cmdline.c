/*
 * The kernel command line (see cmdline.h).
 *
 * Words are separated by spaces or tabs (newlines and carriage returns
 * count too, so a line read from a file with a trailing newline still
 * parses). There is no quoting: values cannot contain blanks.
 */
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "log.h"
#include "string.h"

static char stored[CMDLINE_MAX];

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy `s` to stored[at..], cutting it (with a warning) to what fits. */
static void store_at(size_t at, const char *s)
{
	size_t room = CMDLINE_MAX - 1 - at;
	size_t len = strnlen(s, room + 1);

	if (len > room) {
		len = room;
		log_warn("cmdline: command line cut to %u bytes", (unsigned)(CMDLINE_MAX - 1));
	}
	memcpy(stored + at, s, len);
	stored[at + len] = '\0';
}

void cmdline_set(const char *line)
{
	store_at(0, line ? line : "");
}

void cmdline_append(const char *words)
{
	size_t len = strlen(stored);

	if (!words || !words[0])
		return;
	/* A separating space, unless there is nothing to separate from. */
	if (len > 0) {
		if (len == CMDLINE_MAX - 1) {
			log_warn("cmdline: command line cut to %u bytes",
				 (unsigned)(CMDLINE_MAX - 1));
			return;
		}
		stored[len++] = ' ';
		stored[len] = '\0';
	}
	store_at(len, words);
}

const char *cmdline_get(void)
{
	return stored;
}

bool cmdline_find(const char *line, const char *key, const char **val, size_t *val_len)
{
	bool found = false;

	if (!line || !key || !key[0])
		return false;
	size_t key_len = strlen(key);

	const char *p = line;
	while (*p) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;

		const char *word = p;
		while (*p && !is_blank(*p))
			p++;
		const char *word_end = p;

		/* The word's key is everything up to the first '='. */
		const char *eq = word;
		while (eq < word_end && *eq != '=')
			eq++;
		if ((size_t)(eq - word) != key_len || memcmp(word, key, key_len) != 0)
			continue;

		/* Keep going: a later occurrence overrides this one. */
		found = true;
		const char *v = eq < word_end ? eq + 1 : word_end;
		if (val)
			*val = v;
		if (val_len)
			*val_len = (size_t)(word_end - v);
	}
	return found;
}

bool cmdline_value(const char *key, char *out, size_t out_len)
{
	const char *val;
	size_t len;

	if (!cmdline_find(stored, key, &val, &len))
		return false;
	if (out_len > 0) {
		if (len > out_len - 1)
			len = out_len - 1;
		memcpy(out, val, len);
		out[len] = '\0';
	}
	return true;
}

bool cmdline_has(const char *key)
{
	return cmdline_find(stored, key, NULL, NULL);
}
