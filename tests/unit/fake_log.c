/* Log capture for unit tests: see fake_log.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_log.h"
#include "kernel/log.h"

char fake_log[65536];
size_t fake_log_len;

void fake_log_capture(void)
{
	log_remove_all_sinks();
	log_add_sink(fake_log_sink);
	fake_log_clear();
}

void fake_log_sink(const char *s, size_t n)
{
	if (fake_log_len + n < sizeof(fake_log)) {
		memcpy(fake_log + fake_log_len, s, n);
		fake_log_len += n;
		fake_log[fake_log_len] = '\0';
	}
}

void fake_log_clear(void)
{
	fake_log[0] = '\0';
	fake_log_len = 0;
}

unsigned fake_log_count(const char *text)
{
	unsigned n = 0;
	for (const char *p = fake_log; (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	return n;
}

void fake_log_expect(const char *text)
{
	if (strstr(fake_log, text))
		return;
	fprintf(stderr, "expected \"%s\" in the log:\n%s\n", text, fake_log);
	mock_assert(0, "the log has the expected text", __FILE__, __LINE__);
}

void fake_log_expect_warnings(unsigned n)
{
	unsigned got = fake_log_count("warning: ");
	if (got == n)
		return;
	fprintf(stderr, "expected %u warnings, got %u; the log:\n%s\n", n, got, fake_log);
	mock_assert(0, "the log has the expected number of warnings", __FILE__, __LINE__);
}
