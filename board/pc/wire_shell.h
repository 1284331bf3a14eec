/*
 * The pc board's shell: the shell capsule on the board's console, and
 * every command set it answers, registered in one list (wire_shell.c).
 */
#ifndef KNOCK_BOARD_PC_WIRE_SHELL_H
#define KNOCK_BOARD_PC_WIRE_SHELL_H

#include "capsules/alarm_mux.h"
#include "capsules/shell.h"
#include "capsules/shell_smp.h"
#include "capsules/smp_count.h"
#include "capsules/smp_ping.h"

/*
 * Call after board_wire_timer(), board_wire_keyboard(),
 * board_wire_console(), board_wire_observe() and board_wire_watchdog()
 * (it uses what they made), before loop_verify(). The greeting and the
 * first prompt come from the loop (a deferred call).
 */
void board_wire_shell(void);

/* From board_wire_smp(), on the boot CPU: the shell's cross-CPU call and
 * the SMP commands (`on`, cpus, smptest, ping) on the console's shell. */
void board_wire_shell_smp(struct shell_smp *smp, struct smp_count *count, struct smp_ping *ping);

/* From each other CPU before it goes online: its console-less shell,
 * answering `on`, with the command sets that make sense there. */
void board_wire_shell_on_ap(unsigned cpu, struct alarm_mux *mux);

struct shell *board_shell(void);
/* The console-less shell of CPU `cpu` (1 ..), once it is wired; NULL for
 * CPU 0 or an id out of range. */
struct shell *board_ap_shell(unsigned cpu);

#endif
