/*
 * Fuzz the shell's pure parsing (capsules/shell_parse.c) against plain
 * reference versions written here from shell_parse.h:
 *   - shell_split, which unquotes words in place, against a splitter that
 *     copies each word out (same words, same status);
 *   - shell_parse_u64 against overflow-checked arithmetic, for several
 *     limits;
 *   - shell_format_uptime (kernel/fmt.c underneath) against libc's
 *     snprintf, for every buffer size up to the whole text.
 *
 * Input: a command line (up to the first NUL). Its first eight bytes are
 * also the microseconds for shell_format_uptime.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capsules/shell_parse.h"
#include "tests/fuzz/fuzz.h"

#define LINE_MAX_BYTES 512

struct ref_words {
	int count;
	char word[SHELL_MAX_ARGS][LINE_MAX_BYTES];
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum shell_parse_status ref_split(const char *s, struct ref_words *out)
{
	out->count = 0;
	for (;;) {
		while (blank(*s))
			s++;
		if (!*s)
			return SHELL_PARSE_OK;
		if (out->count == SHELL_MAX_ARGS)
			return SHELL_PARSE_TOO_MANY_WORDS;
		char *w = out->word[out->count];
		size_t n = 0;
		bool quoted = false;
		for (; *s && (quoted || !blank(*s)); s++) {
			if (*s == '"') {
				quoted = !quoted;
			} else if (quoted && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
				w[n++] = *++s;
			} else {
				w[n++] = *s;
			}
		}
		if (quoted)
			return SHELL_PARSE_UNTERMINATED_QUOTE;
		w[n] = '\0';
		out->count++;
	}
}

static bool ref_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return false;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void check_u64(const char *word)
{
	static const uint64_t limits[] = {
		0, 9, 10, 86400000, UINT32_MAX, UINT64_MAX / 10, UINT64_MAX - 1, UINT64_MAX
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		uint64_t got = 0, want = 0;
		bool ok = shell_parse_u64(word, limits[i], &got);
		FUZZ_CHECK(ok == ref_parse_u64(word, limits[i], &want));
		FUZZ_CHECK(!ok || got == want);
	}
}

static void check_split(const char *line)
{
	char buf[LINE_MAX_BYTES];
	struct shell_words w;
	static struct ref_words ref;

	memcpy(buf, line, strlen(line) + 1);
	enum shell_parse_status st = shell_split(buf, &w);
	FUZZ_CHECK(st == ref_split(line, &ref));
	FUZZ_CHECK(w.argc >= 0 && w.argc <= SHELL_MAX_ARGS && w.argv[w.argc] == NULL);
	FUZZ_CHECK(strcmp(shell_parse_status_text(st), "?") != 0);
	if (st != SHELL_PARSE_OK) {
		FUZZ_CHECK(w.argc == 0);
		return;
	}
	FUZZ_CHECK(w.argc == ref.count);
	for (int i = 0; i < w.argc; i++) {
		FUZZ_CHECK(w.argv[i] >= buf && w.argv[i] < buf + sizeof(buf));
		FUZZ_CHECK(strcmp(w.argv[i], ref.word[i]) == 0);
		check_u64(w.argv[i]);
	}
}

static void check_uptime(uint64_t us)
{
	char want[64], got[64];
	uint64_t ms = us / 1000, s = ms / 1000;
	int n = snprintf(want, sizeof(want), "%llu:%02u:%02u.%03u", (unsigned long long)(s / 3600),
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60), (unsigned)(ms % 1000));

	for (size_t size = 0; size <= (size_t)n + 1; size++) {
		memset(got, 'x', sizeof(got));
		FUZZ_CHECK(shell_format_uptime(got, size, us) == n);
		if (size) {
			size_t kept = (size_t)n < size ? (size_t)n : size - 1;
			FUZZ_CHECK(strlen(got) == kept && memcmp(got, want, kept) == 0);
		}
		FUZZ_CHECK(got[size] == 'x'); /* nothing written past the buffer */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[LINE_MAX_BYTES];
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;

	memcpy(line, data, n);
	line[n] = '\0';
	check_split(line);
	check_uptime(fuzz_le(data, size < 8 ? size : 8));
	return 0;
}
