/*
 * A log sink for unit tests: everything kernel/log.c writes, kept as one
 * string so tests can assert on the text of warnings and reports.
 */
#ifndef KNOCK_TEST_FAKE_LOG_H
#define KNOCK_TEST_FAKE_LOG_H

#include <stddef.h>

extern char fake_log[65536];
extern size_t fake_log_len;

/* The sink itself: appends whole writes; a write that would overflow the
 * buffer is dropped whole (a test that logs that much is broken anyway). */
void fake_log_sink(const char *s, size_t n);
void fake_log_clear(void);

/* The log from now on goes to this sink alone, from empty (a test's
 * set-up; the level is the test's to set). */
void fake_log_capture(void);

/* How many times `text` appears in the log. */
unsigned fake_log_count(const char *text);

/* Fail the test unless `text` appears in the log (the log is printed).
 * Only cmocka's mock_assert(): the fuzz harnesses link this file too. */
void fake_log_expect(const char *text);

/* Fail the test unless the log has exactly `n` warnings (the log is
 * printed). */
void fake_log_expect_warnings(unsigned n);

#endif
