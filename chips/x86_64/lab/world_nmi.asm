; The outside world's NMI entry (chips/x86_64/lab/world.h): save what C
; may clobber, call world_nmi(entry), restore, iretq; and count every
; instruction of it, from the first to iretq, in irq_off_meter_stolen, which
; the interrupts-off meter and the idle meter take out of the windows the
; NMI fell in.
;
; Not the slow stub (isr_stubs.asm): a step runs on every tick of the
; world's clock, and its instructions are taken from the design under
; test, so the way in is as short as C allows. The CPU aligned RSP to 16
; and pushed 5 words; 9 more keep it aligned for the call.
;
; The count is exact under -icount shift=0 (one TSC tick an instruction):
; the two clock reads bracket everything but the instructions before the
; first (UNTIMED_BEFORE) and from the second on (UNTIMED_AFTER), which are
; fixed here. Counted in C instead, world_nmi()'s own entry and exit
; outside its clock reads (about 18 instructions, the compiler's) were
; left in the design's windows: a 25-instruction sleep check with a step
; in it measured 43.
;
; Spec: Intel SDM vol. 3A 6.7 (NMI), 6.14.2 (64-bit interrupt stack frame).

bits 64
extern world_nmi
extern irq_off_meter_stolen
global world_nmi_entry

; push rax, push rdx
UNTIMED_BEFORE equ 2
; rdtsc, shl, or, sub, add, add, then 9 pops and iretq
UNTIMED_AFTER equ 16

section .bss
alignb 8
entered:	resq 1	; the first clock read of the NMI being served

section .text

world_nmi_entry:
	push rax
	push rdx
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov [rel entered], rax	; NMIs do not nest: one slot is enough
	push rcx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	cld
	mov rdi, rax		; world_nmi(entry): its step's time
	call world_nmi
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, [rel entered]
	add rax, UNTIMED_BEFORE + UNTIMED_AFTER
	add [rel irq_off_meter_stolen], rax
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rcx
	pop rdx
	pop rax
	iretq
