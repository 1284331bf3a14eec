; First 64-bit code: data segments, the kernel stack, then C.
;
; RBP is zeroed so the frame-pointer backtrace ends here.

%include "boot/layout.inc"

extern board_main
extern boot_magic, boot_mbi
global long_mode_entry
global kernel_stack_guard, kernel_stack_bottom, kernel_stack_top

section .text
bits 64
long_mode_entry:
	LOAD_KERNEL_DATA_SEGMENTS
	mov rsp, kernel_stack_top
	xor ebp, ebp
	mov edi, [rel boot_magic]
	mov esi, [rel boot_mbi]
	call board_main
.halt:                                  ; board_main never returns
	cli
	hlt
	jmp .halt

; The boot CPU's kernel stack, with an unmapped guard page below it
; (entry32.asm clears its page-table entry): overflowing the stack faults
; on the guard page, and the double-fault handler, on its own IST stack,
; reports it.
section .bss
align 4096
kernel_stack_guard:  resb 4096
kernel_stack_bottom: resb KERNEL_STACK_SIZE
kernel_stack_top:
