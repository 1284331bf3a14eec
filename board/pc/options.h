/*
 * Kernel command-line options of the pc board. The line is GRUB's plus the
 * QEMU fw_cfg file opt/knock/cmdline (see README: KNOCK_CMDLINE).
 *
 *   loglevel=error|warn|info|debug   default info
 *   panic=reboot                     reboot after a panic report (default: halt)
 *
 * Other capsules read their own (watchdog=, storm=, stats=, trace=,
 * smp_phantom=); the lab image adds its own (board/pc/lab/lab.c).
 */
#ifndef KNOCK_BOARD_PC_OPTIONS_H
#define KNOCK_BOARD_PC_OPTIONS_H

#include <stdbool.h>

void board_options_load(const char *grub_cmdline);

#endif
