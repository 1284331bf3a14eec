/* A process from a fake executable, for tests (see fake_process.h). */
#include <stdlib.h>

#include "fake_elf.h"
#include "fake_process.h"

/* The files outlive the call: process_restart() loads from them again.
 * One per data size, as the file depends on nothing else. */
#define MAX_DATA_PAGES 8
static uint8_t files[MAX_DATA_PAGES + 1][1024];

const char *fake_process_load(struct process *p, const char *name, unsigned data_pages,
			      uint8_t **region)
{
	static const uint8_t text[16] = { 0xc3 }; /* ret */
	const struct fake_elf_segment seg[] = {
		{ 5, PROCESS_USER_BASE, text, sizeof(text), sizeof(text) },
		{ 6, FAKE_PROCESS_DATA, NULL, 0, (size_t)data_pages * PROC_PAGE },
	};

	*region = NULL;
	if (data_pages > MAX_DATA_PAGES)
		return "fake_process_load: more data pages than MAX_DATA_PAGES";
	uint8_t *file = files[data_pages];
	size_t len =
		fake_elf_build(file, sizeof(files[0]), PROCESS_USER_BASE, seg, data_pages ? 2 : 1);
	*region = aligned_alloc(PROC_PAGE, FAKE_PROCESS_REGION);
	if (!len || !*region)
		return "fake_process_load: the file or the region did not fit";
	return process_load(p, name, file, len, *region, FAKE_PROCESS_REGION);
}
