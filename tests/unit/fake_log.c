/* Log capture for unit tests: see fake_log.h. */
#include <string.h>

#include "fake_log.h"

char fake_log[65536];
size_t fake_log_len;

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
