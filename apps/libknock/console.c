/*
 * The console driver (TRD 104 driver 0x1) from the app's side: allow the
 * bytes read-only, ask for a write, wait in yield for the upcall that
 * says how many went out, repeat with the rest. Reading: allow a buffer
 * read-write, ask for a line, wait for the upcall with its length.
 */
#include "knock.h"

#define CONSOLE 0x1

static int done;
static uint64_t written;

static void write_done(uint64_t n, uint64_t a1, uint64_t a2, uint64_t ud)
{
	(void)a1;
	(void)a2;
	(void)ud;
	written = n;
	done = 1;
}

void knock_write(const char *s, size_t len)
{
	knock_subscribe(CONSOLE, 0, write_done, 0);
	while (len) {
		if (knock_allow_ro(CONSOLE, 0, s, len).variant < KNOCK_SUCCESS)
			return;
		done = 0;
		if (knock_command(CONSOLE, 1, len, 0).variant < KNOCK_SUCCESS)
			return;
		while (!done)
			knock_yield();
		s += written;
		len -= written;
	}
	knock_allow_ro(CONSOLE, 0, NULL, 0);
}

size_t knock_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void knock_puts(const char *s)
{
	knock_write(s, knock_strlen(s));
}

static int line_done;
static uint64_t line_len;

static void line_read(uint64_t n, uint64_t a1, uint64_t a2, uint64_t ud)
{
	(void)a1;
	(void)a2;
	(void)ud;
	line_len = n;
	line_done = 1;
}

int knock_read_line(char *buf, size_t cap)
{
	knock_subscribe(CONSOLE, 1, line_read, 0);
	if (knock_allow_rw(CONSOLE, 0, buf, cap).variant < KNOCK_SUCCESS)
		return -1;
	line_done = 0;
	if (knock_command(CONSOLE, 2, cap, 0).variant < KNOCK_SUCCESS)
		return -1;
	while (!line_done)
		knock_yield();
	knock_allow_rw(CONSOLE, 0, NULL, 0);
	return (int)line_len;
}
