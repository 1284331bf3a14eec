/*
 * hpet_nmi: one HPET timer as a regular source of NMIs for one CPU (the
 * bake-off's outside world, chips/x86_64/lab/world.h).
 *
 * Why the HPET: the PIT's channel 0 is the stall watchdog's tick, and the
 * LAPIC timer is the alarm mux's (and its LVT cannot deliver an NMI). Why
 * an NMI: the world must run on time whatever the design under test does,
 * interrupts off included. Why FSB delivery: the timer writes an MSI
 * message straight to the LAPIC, its delivery mode NMI (the data's bits
 * 10:8 = 100b), so no IOAPIC pin is needed (QEMU's `-machine pc` wires the
 * HPET to IOAPIC pin 2 only, the PIT's). QEMU offers FSB delivery only
 * with `-global hpet.msi=on`; without it hpet_nmi_probe() says no.
 *
 * Under QEMU -icount the HPET counts QEMU_CLOCK_VIRTUAL, which advances
 * with the instructions executed, so the NMIs land at the same
 * instruction in every run.
 *
 * The registers are at HPET_NMI_BASE, where PCs (and QEMU) put the first
 * HPET; the ACPI HPET table says so too, but knock does not parse it: the
 * probe checks the capabilities instead.
 *
 * Spec: IA-PC HPET Specification 1.0a, 2.3 (registers: 2.3.4 general
 * capabilities, 2.3.5 configuration, 2.3.8 timer N configuration and
 * capabilities, 2.3.9 comparator, 2.3.10 FSB route); Intel SDM vol. 3A
 * 11.11 (MSI address and data, delivery mode NMI).
 */
#ifndef KNOCK_CHIPS_X86_64_LAB_HPET_NMI_H
#define KNOCK_CHIPS_X86_64_LAB_HPET_NMI_H

#include <stdbool.h>
#include <stdint.h>

#define HPET_NMI_BASE 0xfed00000u

/* Map the HPET's registers and find a timer that can deliver by FSB. False, with the reason in *why, if there is none. Call
 * before the other CPUs start (it maps a page). */
bool hpet_nmi_probe(const char **why);

/* Start that timer: an NMI to the LAPIC `apic_id` one period_ns from
 * now. */
void hpet_nmi_start(uint8_t apic_id, uint64_t period_ns);

/* From the NMI: the next one a period after the last deadline (not after
 * now: the ticks stay on one grid of the counter, however late an NMI
 * was taken; a deadline already past fires at once). Why not the timer's
 * periodic mode: QEMU 7.2's re-arms itself from its callback and, when
 * the callback runs exactly at the comparator, fires a second time one
 * counter tick later; a one-shot set from the guest is set at a fixed
 * instruction. */
void hpet_nmi_next(void);

/* Stop it (the NMIs stop; the counter goes on). Safe in an NMI. */
void hpet_nmi_stop(void);

#endif
