/*
 * The shell's pure parsing: split a command line into words, read numbers,
 * format durations. No I/O and no state, so every case is a host test
 * (tests/unit/test_shell_parse.c).
 *
 * Words are separated by spaces and tabs. Double quotes group a word that
 * contains spaces ("a b"); inside quotes, \" and \\ stand for " and \.
 * Outside quotes a backslash is an ordinary character.
 */
#ifndef KNOCK_CAPSULES_SHELL_PARSE_H
#define KNOCK_CAPSULES_SHELL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_MAX_ARGS 8

enum shell_parse_status {
	SHELL_PARSE_OK = 0,
	SHELL_PARSE_TOO_MANY_WORDS,
	SHELL_PARSE_UNTERMINATED_QUOTE,
};

struct shell_words {
	int argc;
	char *argv[SHELL_MAX_ARGS + 1]; /* argv[argc] is NULL */
};

/* Splits `line` in place (words are NUL-terminated inside it). On an error
 * `out` is left with argc 0. */
enum shell_parse_status shell_split(char *line, struct shell_words *out);

/* A one-line explanation, e.g. "too many words (at most 8)". */
const char *shell_parse_status_text(enum shell_parse_status s);

/* A decimal number 0..max: digits only (no sign, no spaces, no "0x"),
 * at least one digit, no overflow. Returns false otherwise. */
bool shell_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* "H:MM:SS.mmm" (hours as many digits as needed) of a microsecond count,
 * snprintf contract. */
int shell_format_uptime(char *buf, size_t size, uint64_t us);

#endif
