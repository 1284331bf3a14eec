; A slow stub of its own for every vector from 0x30 up, and the full table
; isr_stub_table[256] (0-0x2f are isr_stubs.asm's own stubs).
;
; Only the lab's C interrupt handlers use these (lab/irq_handler.c): they
; time the way in from a software `int`, which leaves no in-service bit
; at the LAPIC for the common entry to find, and their figures must not
; include a search. Nothing else refers to this file's section, so with
; --gc-sections an image without those handlers does not contain it.

bits 64
extern isr_common
global isr_stub_table

section .text.isr_stubs_per_vector

%assign v 48
%rep 256 - 48
global isr_stub_ %+ v
isr_stub_ %+ v:
	push 0
	push v
	jmp isr_common
%assign v v + 1
%endrep

section .rodata.isr_stub_table
align 8
isr_stub_table:
%assign v 0
%rep 256
%if v < 48
extern isr_stub_ %+ v
%endif
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
