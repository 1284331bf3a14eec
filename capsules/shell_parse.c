/* The shell's pure parsing (see shell_parse.h). */
#include "capsules/shell_parse.h"
#include "kernel/fmt.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

enum shell_parse_status shell_split(char *line, struct shell_words *out)
{
	char *read = line;

	out->argc = 0;
	out->argv[0] = NULL;
	for (;;) {
		while (is_space(*read))
			read++;
		if (!*read)
			return SHELL_PARSE_OK;
		if (out->argc == SHELL_MAX_ARGS) {
			out->argc = 0;
			out->argv[0] = NULL;
			return SHELL_PARSE_TOO_MANY_WORDS;
		}
		/* Copy the word onto itself: unquoting only ever shortens it,
		 * so `write` never overtakes `read`. */
		char *word = read;
		char *write = read;
		bool quoted = false;
		while (*read && (quoted || !is_space(*read))) {
			char c = *read++;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && c == '\\' && (*read == '"' || *read == '\\'))
				c = *read++;
			*write++ = c;
		}
		if (quoted) {
			out->argc = 0;
			out->argv[0] = NULL;
			return SHELL_PARSE_UNTERMINATED_QUOTE;
		}
		bool at_end = !*read;
		*write = '\0';
		out->argv[out->argc++] = word;
		out->argv[out->argc] = NULL;
		if (at_end)
			return SHELL_PARSE_OK;
		read++; /* past the separator (which `write` may have overwritten) */
	}
}

const char *shell_parse_status_text(enum shell_parse_status s)
{
	switch (s) {
	case SHELL_PARSE_OK:
		return "ok";
	case SHELL_PARSE_TOO_MANY_WORDS:
		return "too many words (at most 8)";
	case SHELL_PARSE_UNTERMINATED_QUOTE:
		return "a \" is not closed";
	}
	return "?";
}

bool shell_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned digit = (unsigned)(*s - '0');
		if (digit > max || v > (max - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

int shell_format_uptime(char *buf, size_t size, uint64_t us)
{
	uint64_t ms = us / 1000;
	uint64_t s = ms / 1000;

	return ksnprintf(buf, size, "%llu:%02u:%02u.%03u", (unsigned long long)(s / 3600),
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60), (unsigned)(ms % 1000));
}
