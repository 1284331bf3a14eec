; One entry stub per IDT vector (0..255), and the common path they share.
;
; These are the *slow* stubs: they save every register and call C. CPU
; exceptions use them to build a panic report. Device vectors get their own
; few-instruction top halves later (generated from the board's table); until
; a vector has one, it lands here and is reported as unexpected.
;
; Each stub makes the frame uniform: vectors without a CPU error code push
; a 0 in its place, then every stub pushes its vector number.
;
; Spec: Intel SDM vol. 3A 6.14.1-6.14.2 (64-bit interrupt stack frame, which
; vectors push an error code).

bits 64
extern trap_dispatch
global isr_stub_table

section .text

%macro ISR_STUB 1
align 16
isr_stub_%1:
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR_STUB v
%assign v v + 1
%endrep

; Stack on entry: vector, error, rip, cs, rflags, rsp, ss. The CPU aligned
; RSP to 16 before pushing its 5 words; 2 + 15 more keep it 16-aligned for
; the C call (22 words = 176 bytes).
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
