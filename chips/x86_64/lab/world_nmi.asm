; The outside world's NMI entry (chips/x86_64/lab/world.h): save what C
; may clobber, call world_nmi(), restore, iretq.
;
; Not the slow stub (isr_stubs.asm): a step runs on every tick of the
; world's clock, and its instructions are taken from the design under
; test, so the way in is as short as C allows. The CPU aligned RSP to 16
; and pushed 5 words; 9 more keep it aligned for the call.
;
; Spec: Intel SDM vol. 3A 6.7 (NMI), 6.14.2 (64-bit interrupt stack frame).

bits 64
extern world_nmi
global world_nmi_entry

section .text

world_nmi_entry:
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	cld
	call world_nmi
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	iretq
