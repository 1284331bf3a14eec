/* Board extensions (extension.h): the hooks of every linked extension. */
#include "board/pc/extension.h"

#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/panic.h"

extern const struct board_extension __board_extensions_start[];
extern const struct board_extension __board_extensions_end[];

#define FOR_EACH_EXTENSION(e)                                            \
	for (const struct board_extension *e = __board_extensions_start; \
	     e < __board_extensions_end; e++)

void board_extensions_wire(void)
{
	FOR_EACH_EXTENSION(e)
	{
		log_info("board: extension %s linked in", e->name);
		if (e->wire)
			e->wire();
	}
}

void board_extensions_claim_ap(unsigned cpu)
{
	FOR_EACH_EXTENSION(e)
	{
		if (e->claim_ap)
			e->claim_ap(cpu);
	}
}

void board_extensions_wire_ap(unsigned cpu)
{
	FOR_EACH_EXTENSION(e)
	{
		if (e->wire_ap)
			e->wire_ap(cpu);
	}
}

void board_extensions_shell(struct shell_board *hooks)
{
	FOR_EACH_EXTENSION(e)
	{
		if (e->shell)
			e->shell(hooks);
	}
}

void board_extensions_start(void)
{
	FOR_EACH_EXTENSION(e)
	{
		if (e->start)
			e->start();
	}
}

_Noreturn void board_extensions_run(void)
{
	const struct board_extension *runner = NULL;

	FOR_EACH_EXTENSION(e)
	{
		if (!e->run)
			continue;
		if (runner)
			panic("board: extensions %s and %s both want to run the loop", runner->name,
			      e->name);
		runner = e;
	}
	if (runner)
		runner->run();
	loop_run();
}
