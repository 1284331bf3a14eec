/*
 * Board extensions: the seam through which the lab wing (board/pc/lab/,
 * docs/lab.md) joins the pc board without the product knowing it.
 *
 * An extension is a constant struct placed, with BOARD_EXTENSION(), in the
 * linker section .board_extensions; boot/linker.ld gathers the section
 * between board_extension_table_start and board_extension_table_end.
 * board_main() calls each extension's hooks at three fixed points of its
 * list. build/knock.iso links no extension, so there the section is empty
 * and the calls do nothing; build/knock-lab.iso links board/pc/lab/lab.c,
 * which defines one. Nothing on a hot path ever asks whether the lab is
 * there: these run once, at boot.
 */
#ifndef KNOCK_BOARD_PC_EXTENSION_H
#define KNOCK_BOARD_PC_EXTENSION_H

struct board_extension {
	const char *name;
	/* After the product's wiring, before loop_verify(): declare bits,
	 * create capsules, replace clients (loop_replace_client). */
	void (*wire)(void);
	/* On each other CPU, after the product's wiring of it, before its
	 * loop: that CPU's end of what wire() made. */
	void (*wire_ap)(unsigned cpu);
	/* After loop_verify() and the other CPUs' start-up, from board_main
	 * just before the loop: start what runs. */
	void (*start)(void);
	/* Instead of loop_run(), or NULL; it must never return (the board
	 * panics if it does). At most one extension may have one. */
	void (*run)(void);
};

#define BOARD_EXTENSION(ident)                    \
	static const struct board_extension ident \
		__attribute__((used, section(".board_extensions"), aligned(8)))

void board_extensions_wire(void);
void board_extensions_wire_ap(unsigned cpu);
void board_extensions_start(void);
/* The extension's run, or loop_run(). */
_Noreturn void board_extensions_run(void);

#endif
