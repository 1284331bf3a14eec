/*
 * The bake-off's wiring (boot option `bakeoff`, docs/bakeoff.md): the
 * in-guest workload (capsules/bakeoff_load.h) and the table of figures the
 * host reads from guest memory when the run is over (tools/bakeoff.py).
 */
#ifndef KNOCK_BOARD_PC_WIRE_BAKEOFF_H
#define KNOCK_BOARD_PC_WIRE_BAKEOFF_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The figures, found by the host through the ELF symbol
 * board_bakeoff_export and read with QMP pmemsave (the kernel is identity
 * mapped, so its addresses are physical ones). Every entry names a value
 * that lives where the kernel keeps it anyway (a driver's counter, a
 * meter, a histogram); `at_start` is a counter's value when the load
 * started, so the host takes differences. Read it while the guest is
 * stopped (QMP stop), so that it holds still.
 */
enum bakeoff_figure_kind {
	BAKEOFF_U32 = 4,
	BAKEOFF_U64 = 8,
	BAKEOFF_HIST = 0x100, /* a struct latency_hist (kernel/latency_hist.h) */
};

struct bakeoff_figure {
	const char *name;
	const void *value;
	uint32_t kind; /* enum bakeoff_figure_kind */
	uint32_t reserved;
	uint64_t at_start;
};

#define BAKEOFF_EXPORT_MAGIC "knock-bakeoff-1"

struct bakeoff_export {
	char magic[16]; /* BAKEOFF_EXPORT_MAGIC once the table is filled */
	uint64_t count;
	const struct bakeoff_figure *figures;
	/* The histograms' layout, for the reader. */
	uint64_t hist_buckets;
	uint64_t hist_sub_bits;
};

extern struct bakeoff_export board_bakeoff_export;

/* Create the workload and fill the table when the bakeoff option is on
 * (after the console, the timer and the keyboard are wired, before
 * loop_verify()). */
void board_wire_bakeoff(void);
/* Start the workload's clock (from board_design_run()). */
void board_bakeoff_start(void);

/* The lab's COM2 row: its client always (the row is declared in every lab
 * boot), its UART only with `bakeoff world` (after the lab's rows are
 * declared, before board_design_wire()). */
void board_wire_com2(void);

#endif
