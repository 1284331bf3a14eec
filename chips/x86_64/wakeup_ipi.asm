; The wake-up IPI's top half (docs/smp.md). A CPU that knocks on another
; sets the bit in that CPU's pending word first (kernel/xcall.c); the IPI
; only has to end the target's `hlt`, and the loop finds the bit. So the
; stub sets no bit: it counts the IPI for `cpus` (only this CPU writes its
; counter, so no lock prefix), acknowledges the LAPIC and returns.
;
; It touches no register and calls no C, like the device top halves
; (tools/gen_top_halves.py explains the EOI address).
;
; In x2APIC mode the EOI is WRMSR 0x80b (no MMIO page), which needs ecx,
; eax and edx: wakeup_ipi_x2apic_entry saves them around it (smp.c
; installs one entry or the other).
;
; Spec: Intel SDM vol. 3A 11.6 (IPIs), 11.8.5 (EOI), 11.12.1.2 (x2APIC
; MSRs).

bits 64
CPU_IPIS_OFFSET equ 704                 ; kernel/cpu.h (a static assert keeps it honest)
LAPIC_EOI_HIGH equ 0xfffffffffee000b0
MSR_X2APIC_EOI equ 0x80b

global wakeup_ipi_entry
global wakeup_ipi_x2apic_entry

section .text
align 16
wakeup_ipi_entry:
	inc qword [gs:CPU_IPIS_OFFSET]
	mov dword [abs LAPIC_EOI_HIGH], 0
	iretq

align 16
wakeup_ipi_x2apic_entry:
	inc qword [gs:CPU_IPIS_OFFSET]
	push rax
	push rcx
	push rdx
	mov ecx, MSR_X2APIC_EOI
	xor eax, eax
	xor edx, edx
	wrmsr
	pop rdx
	pop rcx
	pop rax
	iretq
