; The slow entries: they save every register and call C (trap_dispatch).
;
; Only vectors that need their own number get a stub of their own:
; - the 32 CPU exceptions (0-31), whose report names the exception;
; - the 16 legacy 8259 vectors (0x20-0x2f), because an 8259 interrupt
;   comes through LINT0 as ExtINT and leaves no in-service bit at the
;   LAPIC, and telling a spurious IRQ 7/15 from a real one needs its
;   number.
; Every other vector starts at ONE common entry, isr_unknown_entry, which
; pushes VEC_FIND_IN_SERVICE in place of a number: trap_dispatch finds the
; vector in the LAPIC's in-service registers (trap.c). Device vectors get
; their own few-instruction top halves (generated from the board's table)
; and never come here; the lab's C handlers have their own per-vector
; stubs (isr_stubs_per_vector.asm). This keeps the image 4 KiB smaller
; than 256 identical 16-byte stubs.
;
; Each stub makes the frame uniform: vectors without a CPU error code push
; a 0 in its place, then every stub pushes its vector number.
;
; Spec: Intel SDM vol. 3A 6.14.1-6.14.2 (64-bit interrupt stack frame, which
; vectors push an error code).

%include "chips/x86_64/gprs.inc"

bits 64
extern trap_dispatch
global isr_common, isr_unknown_entry, isr_stub_table_low

; trap_frame.h's TRAP_VECTOR_FIND_IN_SERVICE
VEC_FIND_IN_SERVICE equ 0x100

section .text

; %1 = the vector. No alignment: a stub is entered by the CPU only.
%macro ISR_STUB 1
global isr_stub_%1
isr_stub_%1:
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 48
ISR_STUB v
%assign v v + 1
%endrep

isr_unknown_entry:
	push 0
	push VEC_FIND_IN_SERVICE
	; falls through

; Stack on entry: vector, error, rip, cs, rflags, rsp, ss. The CPU aligned
; RSP to 16 before pushing its 5 words; 2 + 15 more keep it 16-aligned for
; the C call (22 words = 176 bytes).
isr_common:
	PUSH_GPRS
	cld
	mov rdi, rsp
	call trap_dispatch
	POP_GPRS
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
align 8
isr_stub_table_low:
%assign v 0
%rep 48
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
