; 32-bit entry from GRUB: check we were loaded by Multiboot2 on a 64-bit
; CPU, clear .bss, build the early page tables, enter long mode.
;
; GRUB leaves us in 32-bit protected mode, paging off, interrupts off,
; EAX = Multiboot2 magic, EBX = physical address of the boot information,
; and no stack. Nothing here may return: on a check that fails we print a
; message on VGA and COM1 and halt (never a triple fault).

%include "boot/layout.inc"

MB2_BOOT_MAGIC equ 0x36d76289

; The first 8 MiB are mapped with 4 KiB pages (four page tables), so the
; kernel image, its stacks and their guard pages fit in it (boot/linker.ld
; checks the image; the AP stacks' guard pages are unmapped from C by
; chips/x86_64/paging.c).
BOOT_PT0_PAGES equ 4

extern __bss_start, __bss_end, __text_start, __text_end
extern long_mode_entry
extern kernel_stack_guard, kernel_stack_top
global _start
global boot_pml4, boot_magic, boot_mbi, boot_ebda_segment, boot_nx_high, boot_tsc

section .text
bits 32
_start:
	cli
	cld
	mov ebp, eax                    ; keep magic and info address out of
	mov esi, ebx                    ; the way of rep stosb below
	; knock's clock starts here: the TSC does not start at zero with
	; knock (firmware and GRUB ran first; under KVM it counts from the
	; host's boot), so time since boot is measured from this reading.
	rdtsc
	mov [boot_tsc], eax
	mov [boot_tsc + 4], edx

	; .bss holds the page tables and the stack: zero it first.
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb

	mov esp, kernel_stack_top
	mov [boot_magic], ebp
	mov [boot_mbi], esi
	; The BIOS data area word at 0x40e holds the EBDA segment, where ACPI's
	; RSDP may be. Page 0 is unmapped once paging is on (NULL faults), so
	; read it now while addresses are still physical.
	mov ax, [0x40e]
	mov [boot_ebda_segment], ax

	cmp ebp, MB2_BOOT_MAGIC
	jne .no_multiboot2
	call cpu_has_long_mode
	test eax, eax
	jz .no_long_mode

	call cpu_has_nx
	mov [boot_nx_high], eax         ; high dword of a PTE: bit 63, or 0

	call build_page_tables

	; Long mode: PAE on, CR3 = PML4, EFER.LME (and NXE when the CPU has
	; it, since the page tables mark data no-execute), then paging on with
	; write protect.
	ENABLE_LONG_MODE_PAGING

	lgdt [boot_gdt_ptr]
	jmp SEL_KCODE:long_mode_entry

.no_multiboot2:
	mov esi, msg_no_mb2
	jmp boot_fail
.no_long_mode:
	mov esi, msg_no_lm
	jmp boot_fail

; Returns EAX != 0 if CPUID reports long mode (0x80000001 EDX bit 29).
cpu_has_long_mode:
	pushfd                          ; CPUID exists iff EFLAGS.ID can flip
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	jz .no
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no
	mov eax, 1
	ret
.no:
	xor eax, eax
	ret

; Returns EAX = 0x80000000 (bit 63 of a PTE seen as its high dword) if
; CPUID reports the no-execute bit (0x80000001 EDX bit 20), else 0. Setting
; EFER.NXE on a CPU without it would fault, and so would NX bits in the
; tables, so without NX everything stays executable.
cpu_has_nx:
	mov eax, 0x80000001
	cpuid
	xor eax, eax
	test edx, 1 << 20
	jz .done
	mov eax, 0x80000000
.done:
	ret

; Identity map the first 4 GiB: one PML4 entry, one PDPT with four page
; directories of 2 MiB pages. The first 8 MiB, where the kernel lives, are
; split into 4 KiB pages so single pages can be left unmapped: page 0 (a
; NULL dereference faults) and the guard pages under the kernel stacks (an
; overflow faults instead of silently corrupting .bss). The top 32 MiB
; (IOAPIC, HPET, LAPIC) is mapped uncached.
;
; The last GiB of physical space (3-4 GiB) is mapped a second time at the
; top of the virtual space, 0xffffffffc0000000. That puts the LAPIC's EOI
; register at 0xfffffffffee000b0, an address a 32-bit sign-extended
; displacement can encode: the device top halves write EOI with one
; instruction and no register (see tools/gen_top_halves.py).
;
; No-execute (when the CPU has NX): everything but the kernel's .text and
; the first MiB is marked NX, so data, stacks and MMIO can never run as
; code (the first MiB stays executable for the SMP AP trampoline, which is
; copied there). A CPU that comes up on these tables must set EFER.NXE
; before enabling paging: boot_nx_high says whether to.
build_page_tables:
	mov dword [boot_pml4], boot_pdpt + PTE_P + PTE_W
	mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + PTE_P + PTE_W
	mov dword [boot_pdpt_high + 511 * 8], boot_pd + 3 * 4096 + PTE_P + PTE_W

	mov edi, boot_pdpt
	mov eax, boot_pd + PTE_P + PTE_W
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt

	mov edi, boot_pd                ; 4 x 512 entries, contiguous
	xor eax, eax
	xor ebx, ebx                    ; entry index 0..2047
.pd:
	mov edx, eax
	or edx, PTE_P | PTE_W | PTE_PS
	cmp ebx, 2048 - 16              ; last 32 MiB below 4 GiB: MMIO
	jb .cached
	or edx, PTE_PCD | PTE_PWT
.cached:
	mov [edi + ebx * 8], edx
	mov edx, [boot_nx_high]
	mov [edi + ebx * 8 + 4], edx
	add eax, 0x200000
	inc ebx
	cmp ebx, 2048
	jb .pd
	mov edi, boot_pd                ; the first BOOT_PT0_PAGES * 2 MiB
	mov eax, boot_pt0 + PTE_P + PTE_W
	mov ecx, BOOT_PT0_PAGES
.pt0:
	mov [edi], eax
	mov dword [edi + 4], 0          ; NX is decided per 4 KiB page in there
	add eax, 4096
	add edi, 8
	loop .pt0

	mov edi, boot_pt0
	xor eax, eax
	mov ecx, 512 * BOOT_PT0_PAGES
.pt:
	mov edx, eax
	or edx, PTE_P | PTE_W
	mov [edi], edx
	cmp eax, 0x100000               ; executable: the first MiB ...
	jb .exec
	cmp eax, __text_start           ; ... and the kernel's .text
	jb .noexec
	cmp eax, __text_end
	jb .exec
.noexec:
	mov edx, [boot_nx_high]
	mov [edi + 4], edx
.exec:
	add eax, 4096
	add edi, 8
	loop .pt
	mov dword [boot_pt0], 0         ; page 0: NULL
	mov eax, kernel_stack_guard
	shr eax, 12
	mov dword [boot_pt0 + eax * 8], 0
	ret

; Print ESI (NUL-terminated) on VGA row 0 and COM1, then halt for good.
boot_fail:
	; COM1 at 115200 8N1, polled: enough for one message.
	mov dx, COM1 + 1
	xor al, al
	out dx, al                      ; no UART interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                      ; DLAB on
	mov dx, COM1
	mov al, 1
	out dx, al                      ; divisor 1 = 115200
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                      ; 8N1, DLAB off
	mov edi, 0xb8000
.next:
	lodsb
	test al, al
	jz .halt
	mov ah, 0x4f                    ; white on red
	mov [edi], ax
	add edi, 2
	mov bl, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20                   ; transmit holding register empty
	jz .wait
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

section .data
align 8
boot_tsc: dq 0                          ; in .data: the .bss is cleared below

section .rodata
msg_no_mb2:
	db "knock: not started by a Multiboot2 loader (bad magic in EAX); halted.", 13, 10, 0
msg_no_lm:
	db "knock: this CPU has no 64-bit long mode (CPUID 0x80000001 EDX.LM=0); knock needs x86_64. Halted.", 13, 10, 0

; The boot GDT: the selectors match the per-CPU GDT that chips/x86_64/gdt.c
; loads later, so the switch needs no segment reload dance.
align 16
boot_gdt:
	dq 0
	dq GDT_KCODE64                  ; SEL_KCODE
	dq GDT_KDATA                    ; SEL_KDATA
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

section .bss
align 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:    resb 4096 * 4
boot_pt0:   resb 4096 * BOOT_PT0_PAGES
boot_magic: resd 1
boot_mbi:   resd 1
boot_ebda_segment: resw 1
alignb 4
boot_nx_high: resd 1
