/*
 * The pc board's processes (docs/processes.md): the apps GRUB loaded as
 * modules (board/pc/grub.cfg's module2 lines, `make run APPS=...`) become
 * processes on the boot CPU, run by its loop when no bit is pending.
 *
 * Options:
 *   apps=NAME,NAME|none      which of the loaded apps to start (default all;
 *                            ':' separates names too)
 *   procfault=stop|restart[:N]|panic
 *                            what a process's fault leads to (default stop;
 *                            restart alone means restart:3)
 *   timeslice=MS             a process that does not yield is preempted
 *                            after MS ms (default 10; 0: only by knocks)
 *
 * With no module loaded (APPS= empty) none of this exists: no user mode
 * set-up, no idle work, the loop exactly as before.
 */
#ifndef KNOCK_BOARD_PC_WIRE_PROCESSES_H
#define KNOCK_BOARD_PC_WIRE_PROCESSES_H

#include "kernel/multiboot2.h"

/* After the console and the shell are wired, on the boot CPU. */
void board_wire_processes(const struct boot_info *bi);

#endif
