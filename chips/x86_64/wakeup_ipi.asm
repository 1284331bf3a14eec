; The wake-up IPI's top half (docs/smp.md). A CPU that knocks on another
; sets the bit in that CPU's pending word first (kernel/xcall.c); the IPI
; only has to end the target's `hlt`, and the loop finds the bit. So the
; stub sets no bit: it counts the IPI for `cpus` (only this CPU writes its
; counter, so no lock prefix), acknowledges the LAPIC and returns.
;
; It touches no register and calls no C, like the device top halves
; (tools/gen_top_halves.py explains the EOI address).
;
; Spec: Intel SDM vol. 3A 11.6 (IPIs), 11.8.5 (EOI).

bits 64
CPU_IPIS_OFFSET equ 704                 ; kernel/cpu.h (a static assert keeps it honest)
LAPIC_EOI_HIGH equ 0xfffffffffee000b0

global wakeup_ipi_entry

section .text
align 16
wakeup_ipi_entry:
	inc qword [gs:CPU_IPIS_OFFSET]
	mov dword [abs LAPIC_EOI_HIGH], 0
	iretq
