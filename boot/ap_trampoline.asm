; The AP trampoline: where every other CPU (application processor) starts.
;
; A started-up AP begins in 16-bit real mode at the page the STARTUP IPI
; names (CS = page * 256, IP = 0), so this code must sit below 1 MiB.
; chips/x86_64/smp.c copies it to AP_TRAMPOLINE_BASE before the first
; STARTUP IPI; it is assembled for that address (TR() below) and never runs
; where the kernel image holds it.
;
; Real mode -> 32-bit protected mode -> long mode, on the boot CPU's page
; tables (boot_pml4 is below 4 GiB, as the 32-bit CR3 load needs), then a
; jump to smp_ap_entry() in C on the stack the boot CPU left in the
; mailbox. smp_ap_entry() loads the CPU's own GDT, TSS (double-fault stack)
; and GS base. The boot CPU starts one AP at a time and waits for it, so
; one mailbox serves them all.

%include "boot/layout.inc"

AP_TRAMPOLINE_BASE equ 0x8000   ; chips/x86_64/smp.h SMP_TRAMPOLINE_BASE

; This GDT's selectors: 0x08 and 0x10 match the kernel's (SEL_KCODE and
; SEL_KDATA), so the long-mode code needs no other. 0x18 is the 32-bit
; code segment for the step in between.
SEL_CODE32  equ 0x18
GDT_CODE32  equ 0x00cf9a000000ffff      ; base 0, 4 GiB, execute/read
GDT_FLAT_DATA equ 0x00cf92000000ffff    ; base 0, 4 GiB, read/write

%define TR(label) (AP_TRAMPOLINE_BASE + ((label) - ap_trampoline_start))

extern boot_pml4, boot_nx_high
extern smp_ap_entry
global ap_trampoline_start, ap_trampoline_end, ap_trampoline_mailbox

section .rodata
align 16
bits 16
ap_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	; Tell the boot CPU this CPU runs, so it sends no second STARTUP IPI.
	mov byte [mailbox_started - ap_trampoline_start], 1
	o32 lgdt [gdt_ptr - ap_trampoline_start]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:TR(protected_mode)

bits 32
protected_mode:
	mov ax, SEL_KDATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	; As boot/entry32.asm did on the boot CPU: PAE, the same PML4,
	; EFER.LME (and NXE if the boot CPU found NX: the tables use it),
	; paging with write protection.
	ENABLE_LONG_MODE_PAGING
	jmp SEL_KCODE:TR(long_mode)

bits 64
long_mode:
	LOAD_KERNEL_DATA_SEGMENTS
	mov rsp, [abs TR(mailbox_stack_top)]
	xor ebp, ebp                    ; the end of every backtrace
	mov rax, smp_ap_entry
	call rax
.halt:                                  ; smp_ap_entry never returns
	cli
	hlt
	jmp .halt

align 8
gdt:
	dq 0
	dq GDT_KCODE64                  ; 0x08 SEL_KCODE
	dq GDT_FLAT_DATA                ; 0x10 SEL_KDATA
	dq GDT_CODE32                   ; 0x18
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd TR(gdt)

; Written by the boot CPU before each AP's STARTUP IPI (struct ap_mailbox
; in chips/x86_64/smp.c: keep the two in step).
align 8
ap_trampoline_mailbox:
mailbox_stack_top: dq 0                 ; top of this AP's kernel stack
mailbox_cpu:       dd 0                 ; the CPU id it takes
mailbox_started:   db 0                 ; set by the AP's first instructions
align 8
ap_trampoline_end:
