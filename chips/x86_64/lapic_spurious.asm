; The LAPIC spurious-interrupt vector. A spurious interrupt is not in
; service, so it must NOT be acknowledged with an EOI (that would retire a
; real interrupt that is in service). Count it and return.
;
; Spec: Intel SDM vol. 3A 11.9 (spurious interrupt: no EOI).

bits 64
global lapic_spurious_entry, lapic_spurious_count

section .text
align 16
lapic_spurious_entry:
	lock inc qword [rel lapic_spurious_count]
	iretq

section .bss
align 8
lapic_spurious_count: resq 1
