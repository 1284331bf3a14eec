/*
 * The pc board's interrupt benchmarks (capsules/bench_irq.h): two latency
 * probes (kernel/probe.h) on the keyboard and timer bits, given to the
 * console and the alarm mux when the stamped top halves are installed
 * (stubs=stamped), and the bench_irq capsule that measures timer wakes
 * and idle wake-ups (boot option bench) and reports all three figures
 * (the shell's `bench` command).
 */
#ifndef KNOCK_BOARD_PC_WIRE_BENCH_H
#define KNOCK_BOARD_PC_WIRE_BENCH_H

/* After board_wire_timer() and board_wire_console(). */
void board_wire_bench(void);
/* With the boot option bench: start the timer and idle measurements. */
void board_bench_start(void);

/* The shell's `bench` (capsules/bench_commands.h). */
void board_bench_report(void (*line)(void *arg, const char *text), void *arg);

#endif
