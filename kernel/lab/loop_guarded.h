/*
 * The loop of the bake-off's in-ISR design (docs/bakeoff.md): the same
 * dispatch as kernel/loop.c's, with every client run with interrupts off.
 *
 * That design runs the device drivers inside their interrupt handlers, so
 * capsule state is shared between the handlers and the loop, and the loop
 * must keep interrupts off while it touches it. knock's own loop never
 * does; this one lives in the lab wing so that knock's stays untouched.
 */
#ifndef KNOCK_KERNEL_LAB_LOOP_GUARDED_H
#define KNOCK_KERNEL_LAB_LOOP_GUARDED_H

#include <stdint.h>

#include "kernel/cpu.h"

/* One round: take all pending bits, dispatch each with interrupts off. */
uint64_t loop_round_guarded(struct cpu *cpu);
/* Rounds and race-free sleeps forever on this CPU. */
_Noreturn void loop_run_guarded(void);

#endif
