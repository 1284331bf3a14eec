/*
 * A process loaded from a small fake executable (fake_elf.h), for the
 * tests of the process drivers: one `ret` of text at PROCESS_USER_BASE
 * and, unless data_pages is 0, that many zero-filled read-write pages
 * right after it (FAKE_PROCESS_DATA), in a region of its own.
 */
#ifndef KNOCK_TEST_FAKE_PROCESS_H
#define KNOCK_TEST_FAKE_PROCESS_H

#include <stdint.h>

#include "kernel/process.h"

#define FAKE_PROCESS_REGION (16 * PROC_PAGE)
#define FAKE_PROCESS_DATA (PROCESS_USER_BASE + PROC_PAGE) /* user address of the data */

/* Load `p` as `name` into a new page-aligned region of
 * FAKE_PROCESS_REGION bytes, stored in *region (the caller frees it).
 * Returns process_load()'s error, NULL when loaded. */
const char *fake_process_load(struct process *p, const char *name, unsigned data_pages,
			      uint8_t **region);

#endif
