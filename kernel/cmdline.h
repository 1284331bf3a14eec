/*
 * The kernel command line: space-separated words, each `key` or `key=value`.
 * On the pc board it is GRUB's line plus the fw_cfg file opt/knock/cmdline,
 * which is how tests and `make bench` pass options without a new ISO.
 */
#ifndef KNOCK_KERNEL_CMDLINE_H
#define KNOCK_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX 512

/* Store the line (a copy, truncated to CMDLINE_MAX-1 with a warning). */
void cmdline_set(const char *line);
/* Append words to the stored line. */
void cmdline_append(const char *words);
const char *cmdline_get(void);

/*
 * Find `key` in `line`. Returns true if the word `key` or `key=...` is
 * present; *val / *val_len then describe the value (empty for a bare key).
 * The last occurrence wins, as on Linux.
 */
bool cmdline_find(const char *line, const char *key, const char **val, size_t *val_len);

/* Convenience over the stored line: copy the value into out (NUL-ended). */
bool cmdline_value(const char *key, char *out, size_t out_len);
bool cmdline_has(const char *key);

#endif
