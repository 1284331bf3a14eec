/* Board extensions (extension.h): the hooks of every linked extension. */
#include <stddef.h>
#include <stdint.h>

#include "board/pc/extension.h"

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"

extern const struct board_extension board_extension_table_start[];
extern const struct board_extension board_extension_table_end[];

/* The section's size, from the two addresses the linker script gives (as
 * integers: to the compiler they are two symbols, not one array). */
static size_t extension_count(void)
{
	return ((uintptr_t)board_extension_table_end - (uintptr_t)board_extension_table_start) /
	       sizeof(struct board_extension);
}

void board_extensions_wire(void)
{
	for (size_t i = 0, n = extension_count(); i < n; i++) {
		const struct board_extension *e = &board_extension_table_start[i];
		log_info("board: extension %s linked in", e->name);
		if (e->wire)
			e->wire();
	}
}

void board_extensions_wire_ap(unsigned cpu)
{
	for (size_t i = 0, n = extension_count(); i < n; i++)
		if (board_extension_table_start[i].wire_ap)
			board_extension_table_start[i].wire_ap(cpu);
}

void board_extensions_start(void)
{
	for (size_t i = 0, n = extension_count(); i < n; i++)
		if (board_extension_table_start[i].start)
			board_extension_table_start[i].start();
}

_Noreturn void board_extensions_run(void)
{
	const struct board_extension *runner = NULL;

	for (size_t i = 0, n = extension_count(); i < n; i++) {
		const struct board_extension *e = &board_extension_table_start[i];
		if (!e->run)
			continue;
		if (runner)
			panic("board: extensions %s and %s both want to run the loop", runner->name,
			      e->name);
		runner = e;
	}
	if (runner) {
		runner->run();
		panic("board: extension %s's loop returned", runner->name);
	}
	loop_run();
}
