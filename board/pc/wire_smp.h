/*
 * The pc board's other CPUs (docs/smp.md): each runs the same loop on its
 * own pending word, with its own LAPIC timer and alarm mux, and answers
 * the cross-CPU calls of the SMP capsules (smptest, ping, the shell's
 * `on`). Device interrupts stay routed to the boot CPU.
 */
#ifndef KNOCK_BOARD_PC_WIRE_SMP_H
#define KNOCK_BOARD_PC_WIRE_SMP_H

#include "kernel/multiboot2.h"

struct alarm_mux;

/* On the boot CPU after board_wire_shell(), before loop_verify(): create
 * the SMP capsules here and declare their cross-CPU calls. */
void board_wire_smp(void);

/* On the boot CPU after loop_verify() (the timer is calibrated by then):
 * start every other enabled CPU the MADT lists and wait for each. Logs
 * "smp: N of M cpus online". */
void board_start_aps(const struct boot_info *bi);

/* Start at most `cpus` CPUs (the boot CPU included), saying `why`, before
 * board_start_aps(): the lab's designs other than knock's run on the boot
 * CPU alone. */
/* CPU `cpu`'s alarm mux (1 ..), for what the lab wires on it; NULL for
 * CPU 0 or an id out of range. */
struct alarm_mux *board_ap_alarm_mux(unsigned cpu);

void board_limit_cpus(unsigned cpus, const char *why);

#endif
